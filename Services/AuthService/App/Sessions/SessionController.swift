import Hummingbird
import ServiceKit
import TokenVerification

/// `/v1/auth`: registration, login, refresh, logout, and the caller.
struct SessionController: Sendable {
    let sessions: SessionService
    let users: UserService
    let trustedProxies: TrustedProxies

    struct LoginRequest: ClosedRequestBody, Sendable {
        var tenant: String
        var email: String
        var password: String

        enum CodingKeys: CodingKey, CaseIterable { case tenant, email, password }
    }

    struct RefreshRequest: ClosedRequestBody, Sendable {
        var refreshToken: String

        enum CodingKeys: CodingKey, CaseIterable { case refreshToken }
    }

    func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("register") { request, context in
            let user = try await users.register(
                try await request.decode(as: RegisterRequest.self, context: context),
                clientAddress: context.clientAddress(of: request, trustedProxies: trustedProxies), logger: context.logger)
            return try Response.json(UserResponse(user), status: .created, headers: [.location: "/v1/users/\(user.id.lowercasedString)"])
        }
        group.post("login") { request, context in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            let tokens = try await sessions.login(
                tenant: body.tenant, email: body.email, password: body.password,
                clientAddress: context.clientAddress(of: request, trustedProxies: trustedProxies), logger: context.logger)
            return try Self.noStore(tokens)
        }
        group.post("refresh") { request, context in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            try RefreshTokenSecret.check(body.refreshToken)
            return try Self.noStore(try await sessions.refresh(body.refreshToken, logger: context.logger))
        }
        group.post("logout") { request, context in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            try RefreshTokenSecret.check(body.refreshToken)
            try await sessions.logout(body.refreshToken)
            return Response(status: .noContent)
        }
    }

    func addAuthenticatedRoutes(to group: RouterGroup<CallerContext<TenantRequestContext>>) {
        group.post("logout-all") { _, context in
            try await sessions.logoutEverywhere(context.caller, logger: context.logger)
            return Response(status: .noContent)
        }
        group.get("me") { _, context in
            let caller = context.caller
            return UserResponse(try await users.get(caller.userID, by: caller))
        }
    }

    /// Token responses must not be cached (RFC 6749 §5.1).
    static func noStore(_ tokens: TokenResponse) throws -> Response {
        try Response.json(tokens, headers: [.cacheControl: "no-store"])
    }
}
