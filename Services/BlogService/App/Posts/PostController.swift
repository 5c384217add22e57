import Foundation
import Hummingbird
import ServiceKit
import TokenVerification

/// `/v1/posts`.
struct PostController: Sendable {
    let service: PostService

    func addRoutes(to group: RouterGroup<CallerContext<TenantRequestContext>>) {
        group.get { request, context in
            var query = QueryReader(request)
            let page = query.page()
            let author = query.uuid("author", "must be a user id")
            let status = query.choice("status", as: Post.Status.self)
            let text = query.searchTerm()
            try query.finish()
            return try Response.json(try await service.list(by: context.caller, author: author, status: status, text: text, page: page))
        }
        group.post { request, context in
            let body = try await request.decode(as: CreatePostRequest.self, context: context)
            let post = try await service.create(body, by: context.caller)
            return try Self.response(post, status: .created, location: true)
        }
        group.get("{id}") { _, context in
            try Self.response(try await service.get(try Self.postID(context), by: context.caller))
        }
        group.patch("{id}") { request, context in
            let body = try await request.decode(as: UpdatePostRequest.self, context: context)
            try EntityTag.check(ifMatch: request.headers[.ifMatch])
            let post = try await service.update(
                try Self.postID(context), with: body, ifMatch: request.headers[.ifMatch], by: context.caller)
            return try Self.response(post)
        }
        group.delete("{id}") { request, context in
            try EntityTag.check(ifMatch: request.headers[.ifMatch])
            try await service.delete(try Self.postID(context), ifMatch: request.headers[.ifMatch], by: context.caller)
            return Response(status: .noContent)
        }
    }

    /// A post with its `ETag` (and `Location` when created).
    static func response(_ post: Post, status: HTTPResponse.Status = .ok, location: Bool = false) throws -> Response {
        var headers: HTTPFields = [.eTag: EntityTag.value(version: post.version)]
        if location { headers[.location] = "/v1/posts/\(post.id.lowercasedString)" }
        return try Response.json(PostResponse(post), status: status, headers: headers)
    }

    /// The `{id}` of the path; one that is not a UUID names no post: 404.
    static func postID(_ context: CallerContext<TenantRequestContext>) throws -> UUID {
        guard let id = context.pathUUID() else { throw PostService.notFound }
        return id
    }
}
