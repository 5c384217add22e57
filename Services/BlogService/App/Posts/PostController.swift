import Foundation
import Hummingbird
import ServiceKit
import TokenVerification

/// `/v1/posts`: the posts of the caller's tenant. Each handler reads the request, calls `PostService`
/// (where the rules are) and shapes the response.
struct PostController: Sendable {
    typealias Context = CallerContext<TenantRequestContext>

    let service: PostService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
            .post(use: create)
            .get("{id}", use: get)
            .patch("{id}", use: update)
            .delete("{id}", use: delete)
    }

    /// `GET /v1/posts?author=&status=&q=&limit=&cursor=`: newest first; others' drafts only for moderators and admins.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page()
        let author = query.uuid("author", "must be a user id")
        let status = query.choice("status", as: Post.Status.self)
        let text = query.searchTerm()
        try query.finish()
        return Response.json(try await service.list(by: context.caller, author: author, status: status, text: text, page: page))
    }

    /// `POST /v1/posts`: 201 with the post, its `ETag` and `Location`.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decode(as: CreatePostRequest.self, context: context)
        return Self.response(try await service.create(body, by: context.caller), status: .created, location: true)
    }

    /// `GET /v1/posts/{id}`: the post with its `ETag`.
    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        Self.response(try await service.get(try Self.postID(context), by: context.caller))
    }

    /// `PATCH /v1/posts/{id}` with `If-Match`: 412 when the post changed since that version.
    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decode(as: UpdatePostRequest.self, context: context)
        try EntityTag.check(ifMatch: request.headers[.ifMatch])
        let post = try await service.update(try Self.postID(context), with: body, ifMatch: request.headers[.ifMatch], by: context.caller)
        return Self.response(post)
    }

    /// `DELETE /v1/posts/{id}`, with `If-Match` when given: 204.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        try EntityTag.check(ifMatch: request.headers[.ifMatch])
        try await service.delete(try Self.postID(context), ifMatch: request.headers[.ifMatch], by: context.caller)
        return Response(status: .noContent)
    }

    /// A post with its `ETag` (and `Location` when created).
    static func response(_ post: Post, status: HTTPResponse.Status = .ok, location: Bool = false) -> Response {
        var headers: HTTPFields = [.eTag: EntityTag.value(version: post.version)]
        if location { headers[.location] = "/v1/posts/\(post.id.lowercasedString)" }
        return Response.json(PostResponse(post), status: status, headers: headers)
    }

    /// The `{id}` of the path; one that is not a UUID names no post: 404.
    static func postID(_ context: Context) throws -> UUID {
        guard let id = context.pathUUID() else { throw PostService.notFound }
        return id
    }
}
