import Foundation

/// Where tenants are kept.
public protocol TenantRepository: Sendable {
    /// Stores a new tenant; `StorageConflict.slugTaken` when the slug is in use.
    func create(_ tenant: Tenant) async throws
    /// The tenant with this id, if any.
    func find(id: UUID) async throws -> Tenant?
    /// The tenant with this slug, if any.
    func find(slug: String) async throws -> Tenant?
    /// Holds the tenant until the transaction ends, so that changes to who administers it happen one at
    /// a time: the last-active-admin rule reads the admins after its own change, and two admins
    /// demoting each other at once must not both see the other still standing.
    func lockAdministration(of tenantID: UUID) async throws
}

/// A write refused because it would break a uniqueness rule of the data.
public enum StorageConflict: Error, Equatable {
    case slugTaken
    case emailTaken
}
