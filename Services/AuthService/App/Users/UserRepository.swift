import Foundation
import ServiceKit

/// Where users are kept. Every method is confined to one tenant.
public protocol UserRepository: Sendable {
    /// Stores a new user; `StorageConflict.emailTaken` when the tenant has that email already.
    func create(_ user: User) async throws
    /// The user with this id in this tenant, if any.
    func find(id: UUID, tenantID: UUID) async throws -> User?
    /// The user with this id in this tenant, if any; in a transaction, no other may change the user
    /// until it ends (PostgreSQL: `FOR SHARE`; SQLite's one writer holds every change back anyway).
    func findHoldingChanges(id: UUID, tenantID: UUID) async throws -> User?
    /// The tenant with this slug and its user with this (lower-cased) email, if any, in one read (a
    /// login's); nil when there is no such tenant.
    func find(email: String, tenantSlug: String) async throws -> TenantAccount?
    /// Up to `page.limit + 1` users of the tenant in creation order, after the page's cursor.
    func list(tenantID: UUID, filter: UserListFilter, page: PageRequest) async throws -> [User]
    /// Applies `changes` and returns the user as stored, or nil when there is no such user.
    func update(id: UUID, tenantID: UUID, changes: UserChanges, at: Date) async throws -> User?
    /// How many active admins the tenant has.
    func countActiveAdmins(tenantID: UUID) async throws -> Int
    /// Moves the user's `sessionsCutOff` on to a value it never had (at least `date` in milliseconds),
    /// so that a login or refresh that reads the user before and after issuing tokens sees the cut-off.
    func markSessionsCutOff(id: UUID, at date: Date) async throws
}

/// A tenant and, if it has one of the email looked up, its user.
public struct TenantAccount: Sendable, Equatable {
    public let tenant: Tenant
    public let user: User?

    public init(tenant: Tenant, user: User?) {
        self.tenant = tenant
        self.user = user
    }
}
