import Foundation
import ServiceKit

/// Where users are kept. Every method is confined to one tenant.
public protocol UserRepository: Sendable {
    /// Stores a new user; `StorageConflict.emailTaken` when the tenant has that email already.
    func create(_ user: User) async throws
    /// The user with this id in this tenant, if any.
    func find(id: UUID, tenantID: UUID) async throws -> User?
    /// The user with this (lower-cased) email in this tenant, if any.
    func find(email: String, tenantID: UUID) async throws -> User?
    /// Up to `page.limit + 1` users of the tenant in creation order, after the page's cursor.
    func list(tenantID: UUID, filter: UserListFilter, page: PageRequest) async throws -> [User]
    /// Applies `changes` and returns the user as stored, or nil when there is no such user.
    ///
    /// In the same transaction: `StorageConflict.noActiveAdminLeft` (and nothing changed) when the tenant
    /// would be left with no active admin; and, when `cutOffSessionsAt` is set, every refresh token of the
    /// user is revoked and the user is listed in the revocations with that `not_before`.
    func update(id: UUID, tenantID: UUID, changes: UserChanges, at: Date, cutOffSessionsAt: Int?) async throws -> User?
}
