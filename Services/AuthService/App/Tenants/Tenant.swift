import Foundation

/// An organisation using the product; everything else belongs to exactly one tenant.
public struct Tenant: Sendable, Equatable {
    public var id: UUID
    /// `^[a-z0-9][a-z0-9-]{1,62}$`, unique; users name their tenant by it at login.
    public var slug: String
    public var name: String
    public var createdAt: Date
}
