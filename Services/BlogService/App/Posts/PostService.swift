import Foundation
import ServiceKit
import TokenVerification

/// The rules of posts: who sees a post (drafts only by their author, moderators and admins), who
/// changes it (the author, a moderator, an admin), what a post may hold, and optimistic concurrency.
struct PostService: Sendable {
    let posts: any PostRepository
    let now: @Sendable () -> Date

    static let notFound = AppError.notFound("Post not found")
    static let titleLength = 1...255
    static let contentLength = 0...100_000
    /// Attempts at an update without `If-Match` that keeps meeting concurrent changes.
    static let updateAttempts = 5

    func create(_ request: CreatePostRequest, by caller: AuthenticatedUser) async throws -> Post {
        try validate(title: request.title, content: request.content)
        let now = now()
        let post = Post(
            id: UUID.version7(at: now), tenantID: caller.tenantID, authorID: caller.userID, title: request.title, content: request.content,
            status: request.status ?? .published, version: 1, createdAt: now, updatedAt: now)
        try await posts.create(post)
        return post
    }

    /// A post the caller may see; another tenant's post, and another user's draft for a plain user,
    /// are "not found" exactly like a missing one.
    func get(_ id: UUID, by caller: AuthenticatedUser) async throws -> Post {
        guard let post = try await posts.find(id: id, tenantID: caller.tenantID), Self.canSee(post, caller) else {
            throw Self.notFound
        }
        return post
    }

    func list(by caller: AuthenticatedUser, author: UUID?, status: Post.Status?, text: String?, page: PageRequest) async throws -> Page<PostResponse> {
        let filter = PostListFilter(
            author: author, status: status, text: text,
            draftsVisibleTo: caller.role >= .moderator ? .everyone : .author(caller.userID))
        let rows = try await posts.list(tenantID: caller.tenantID, filter: filter, page: page)
        return page.page(of: rows, cursor: { KeysetCursor(date: $0.createdAt, id: $0.id.lowercasedString) }, item: PostResponse.init)
    }

    /// A partial update. With `ifMatch`, a post changed since that `ETag` is 412 and stays as it is.
    func update(_ id: UUID, with request: UpdatePostRequest, ifMatch: String?, by caller: AuthenticatedUser) async throws -> Post {
        var validator = FieldValidator()
        if let title = request.title { validator.checkText(title, "title", Self.titleLength) }
        if let content = request.content { validator.checkText(content, "content", Self.contentLength, .multiline) }
        try validator.finish()
        let changes = PostChanges(title: request.title, content: request.content, status: request.status)

        for _ in 0..<Self.updateAttempts {
            let post = try await writable(id, ifMatch: ifMatch, by: caller)
            if changes == PostChanges() { return post }
            if let updated = try await posts.update(id: id, tenantID: caller.tenantID, expectedVersion: post.version, changes: changes, at: now()) {
                return updated
            }
            // Changed or deleted since it was read: with If-Match that is the client's stale ETag;
            // without, read it again and retry.
            if ifMatch != nil { _ = try await writable(id, ifMatch: ifMatch, by: caller) }
        }
        throw AppError.conflict("The post keeps changing; try again")
    }

    /// Deletes the post as it was read and checked: a change made in between (with `If-Match`, a stale
    /// ETag) is 412 and the post stays; without `If-Match` the check is made again on the new version.
    func delete(_ id: UUID, ifMatch: String?, by caller: AuthenticatedUser) async throws {
        for _ in 0..<Self.updateAttempts {
            let post = try await writable(id, ifMatch: ifMatch, by: caller)
            if try await posts.delete(id: id, tenantID: caller.tenantID, expectedVersion: post.version) { return }
        }
        throw AppError.conflict("The post keeps changing; try again")
    }

    // MARK: Rules

    static func canSee(_ post: Post, _ caller: AuthenticatedUser) -> Bool {
        post.status == .published || post.authorID == caller.userID || caller.role >= .moderator
    }

    static func canChange(_ post: Post, _ caller: AuthenticatedUser) -> Bool {
        post.authorID == caller.userID || caller.role >= .moderator
    }

    /// The post as it is now, if the caller may change it and `ifMatch` (when given) still matches.
    private func writable(_ id: UUID, ifMatch: String?, by caller: AuthenticatedUser) async throws -> Post {
        let post = try await get(id, by: caller)
        guard Self.canChange(post, caller) else {
            throw AppError.forbidden("Only the author, a moderator or an admin can change this post")
        }
        if let ifMatch, !EntityTag.ifMatch(ifMatch, accepts: post.version) {
            throw AppError(.preconditionFailed, "The post has changed since that ETag; fetch it again")
        }
        return post
    }

    private func validate(title: String, content: String) throws {
        var validator = FieldValidator()
        validator.checkText(title, "title", Self.titleLength)
        validator.checkText(content, "content", Self.contentLength, .multiline)
        try validator.finish()
    }
}
