import Foundation

/// Where tenants are kept.
public protocol TenantRepository: Sendable {
    /// Stores a new tenant and its first admin in one transaction; `StorageConflict.slugTaken` when the slug is in use.
    func create(_ tenant: Tenant, firstAdmin: User) async throws
    /// The tenant with this id, if any.
    func find(id: UUID) async throws -> Tenant?
    /// The tenant with this slug, if any.
    func find(slug: String) async throws -> Tenant?
}

/// A write refused because it would break a uniqueness or consistency rule of the data.
public enum StorageConflict: Error, Equatable {
    case slugTaken
    case emailTaken
    /// The change would leave the tenant with no active admin.
    case noActiveAdminLeft
}
