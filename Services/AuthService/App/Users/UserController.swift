import Foundation
import Hummingbird
import ServiceKit
import TokenVerification

/// `/v1/users`: admin-managed users, and a user's own record. The rules are `UserService`'s.
struct UserController: Sendable {
    typealias Context = CallerContext<TenantRequestContext>

    let service: UserService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
            .post(use: create)
            .get("{id}", use: get)
            .patch("{id}", use: update)
            .delete("{id}", use: deactivate)
    }

    /// `GET /v1/users?role=&q=&limit=&cursor=`: the tenant's users in creation order (admins).
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page()
        let filter = UserListFilter(role: query.choice("role", as: Role.self), text: query.searchTerm())
        try query.finish()
        return try Response.json(try await service.list(by: context.caller, filter: filter, page: page))
    }

    /// `POST /v1/users`: an admin adds a user of any role; 201 with `Location`.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decode(as: CreateUserRequest.self, context: context)
        let user = try await service.create(body, by: context.caller, audit: context.audit, logger: context.logger)
        return try Response.json(UserResponse(user), status: .created, headers: [.location: "/v1/users/\(user.id.lowercasedString)"])
    }

    /// `GET /v1/users/{id}`: for an admin or the user themself.
    @Sendable func get(_ request: Request, context: Context) async throws -> UserResponse {
        UserResponse(try await service.get(try Self.userID(context), by: context.caller))
    }

    /// `PATCH /v1/users/{id}`: name (self or admin), role and activity (admin), password (self, with the current one).
    @Sendable func update(_ request: Request, context: Context) async throws -> UserResponse {
        let body = try await request.decode(as: UpdateUserRequest.self, context: context)
        return UserResponse(try await service.update(try Self.userID(context), with: body, by: context.caller, audit: context.audit, logger: context.logger))
    }

    /// `DELETE /v1/users/{id}`: deactivates (admins; never themselves); 204.
    @Sendable func deactivate(_ request: Request, context: Context) async throws -> Response {
        try await service.deactivate(try Self.userID(context), by: context.caller, audit: context.audit, logger: context.logger)
        return Response(status: .noContent)
    }

    /// The `{id}` of the path; one that is not a UUID names no user, so it is a 404 like any unknown id.
    static func userID(_ context: Context) throws -> UUID {
        guard let id = context.pathUUID() else { throw UserService.userNotFound }
        return id
    }
}

extension UserResponse: ResponseEncodable {}
