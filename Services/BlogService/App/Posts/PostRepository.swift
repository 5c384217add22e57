import Foundation
import ServiceKit

/// Where posts are kept. Every method is confined to one tenant.
public protocol PostRepository: Sendable {
    func create(_ post: Post) async throws
    /// The post with this id in this tenant, if any.
    func find(id: UUID, tenantID: UUID) async throws -> Post?
    /// Up to `page.limit + 1` posts of the tenant, newest first, after the page's cursor.
    func list(tenantID: UUID, filter: PostListFilter, page: PageRequest) async throws -> [Post]
    /// Applies `changes` if the post is still at `expectedVersion`, bumping its version; returns the post
    /// as stored, or nil when it is gone or was changed meanwhile (nothing is written then).
    func update(id: UUID, tenantID: UUID, expectedVersion: Int, changes: PostChanges, at: Date) async throws -> Post?
    /// Deletes the post if it is still at `expectedVersion`; false when it changed or is gone.
    func delete(id: UUID, tenantID: UUID, expectedVersion: Int) async throws -> Bool
}
