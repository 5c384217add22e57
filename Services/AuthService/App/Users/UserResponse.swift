import Foundation
import ServiceKit
import TokenVerification

/// A user on the wire: `{"id","tenant_id","email","name","role","is_active","created_at","updated_at"}`;
/// never the password hash.
struct UserResponse: Codable, Sendable, Equatable {
    var id: String
    var tenantId: String
    var email: String
    var name: String
    var role: Role
    var isActive: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ user: User) {
        id = user.id.lowercasedString
        tenantId = user.tenantID.lowercasedString
        email = user.email
        name = user.name
        role = user.role
        isActive = user.isActive
        createdAt = user.createdAt
        updatedAt = user.updatedAt
    }
}
