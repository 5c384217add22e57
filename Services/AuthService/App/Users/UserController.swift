import Foundation
import Hummingbird
import ServiceKit
import TokenVerification

/// `/v1/users`: admin-managed users, and a user's own record.
struct UserController: Sendable {
    let service: UserService

    func addRoutes(to group: RouterGroup<CallerContext<TenantRequestContext>>) {
        group.get { request, context in
            var query = QueryReader(request)
            let page = query.page()
            let filter = UserListFilter(role: query.choice("role", as: Role.self), text: query.searchTerm())
            try query.finish()
            return try Response.json(try await service.list(by: context.caller, filter: filter, page: page))
        }
        group.post { request, context in
            let body = try await request.decode(as: CreateUserRequest.self, context: context)
            let user = try await service.create(body, by: context.caller, logger: context.logger)
            return try Response.json(UserResponse(user), status: .created, headers: [.location: "/v1/users/\(user.id.lowercasedString)"])
        }
        group.get("{id}") { _, context in
            UserResponse(try await service.get(try Self.userID(context), by: context.caller))
        }
        group.patch("{id}") { request, context in
            let body = try await request.decode(as: UpdateUserRequest.self, context: context)
            return UserResponse(try await service.update(try Self.userID(context), with: body, by: context.caller, logger: context.logger))
        }
        group.delete("{id}") { _, context in
            try await service.deactivate(try Self.userID(context), by: context.caller, logger: context.logger)
            return Response(status: .noContent)
        }
    }

    /// The `{id}` of the path; one that is not a UUID names no user, so it is a 404 like any unknown id.
    static func userID(_ context: CallerContext<TenantRequestContext>) throws -> UUID {
        guard let id = context.pathUUID() else { throw UserService.userNotFound }
        return id
    }
}

extension UserResponse: ResponseEncodable {}
