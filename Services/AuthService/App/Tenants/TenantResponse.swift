import Foundation
import ServiceKit

/// A tenant on the wire: `{"id","slug","name","created_at"}`.
struct TenantResponse: Codable, Sendable, Equatable {
    var id: String
    var slug: String
    var name: String
    var createdAt: Date

    init(_ tenant: Tenant) {
        id = tenant.id.lowercasedString
        slug = tenant.slug
        name = tenant.name
        createdAt = tenant.createdAt
    }
}
