import Hummingbird
import ServiceKit
import TokenVerification

/// `/v1/auth`: registration, login, refresh, logout, and the caller.
struct SessionController: Sendable {
    let sessions: SessionService
    let users: UserService
    let trustedProxies: TrustedProxies

    struct LoginRequest: FlatRequestBody, Sendable {
        var tenant: String
        var email: String
        var password: String

        enum CodingKeys: CodingKey, CaseIterable { case tenant, email, password }

        init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
            tenant = try members.text("tenant")
            email = try members.text("email")
            password = try members.text("password")
        }
    }

    struct RefreshRequest: FlatRequestBody, Sendable {
        var refreshToken: String

        enum CodingKeys: CodingKey, CaseIterable { case refreshToken }

        init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
            refreshToken = try members.text("refresh_token")
        }
    }

    func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("register", use: register)
            .post("login", use: login)
            .post("refresh", use: refresh)
            .post("logout", use: logout)
    }

    func addAuthenticatedRoutes(to group: RouterGroup<CallerContext<TenantRequestContext>>) {
        group.post("logout-all", use: logoutEverywhere)
            .get("me", use: me)
    }

    /// `POST /v1/auth/register`: self-service registration into an existing tenant, as a `user`; 201.
    @Sendable func register(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let user = try await users.register(
            try await request.decode(as: RegisterRequest.self, context: context),
            clientAddress: context.clientAddress(of: request, trustedProxies: trustedProxies), audit: context.audit, logger: context.logger)
        return try Response.json(UserResponse(user), status: .created, headers: [.location: "/v1/users/\(user.id.lowercasedString)"])
    }

    /// `POST /v1/auth/login`: a token pair, or the same 401 whatever was wrong.
    @Sendable func login(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        let tokens = try await sessions.login(
            tenant: body.tenant, email: body.email, password: body.password,
            clientAddress: context.clientAddress(of: request, trustedProxies: trustedProxies), audit: context.audit, logger: context.logger)
        return try Self.noStore(tokens)
    }

    /// `POST /v1/auth/refresh`: a new pair for a refresh token, which is spent (its reuse revokes the family).
    @Sendable func refresh(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await request.decode(as: RefreshRequest.self, context: context)
        try RefreshTokenSecret.check(body.refreshToken)
        return try Self.noStore(try await sessions.refresh(body.refreshToken, audit: context.audit, logger: context.logger))
    }

    /// `POST /v1/auth/logout`: ends the session of a refresh token; 204, known token or not.
    @Sendable func logout(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await request.decode(as: RefreshRequest.self, context: context)
        try RefreshTokenSecret.check(body.refreshToken)
        try await sessions.logout(body.refreshToken, audit: context.audit)
        return Response(status: .noContent)
    }

    /// `POST /v1/auth/logout-all`: ends every session of the caller, access tokens included; 204.
    @Sendable func logoutEverywhere(_ request: Request, context: CallerContext<TenantRequestContext>) async throws -> Response {
        try await sessions.logoutEverywhere(context.caller, audit: context.audit, logger: context.logger)
        return Response(status: .noContent)
    }

    /// `GET /v1/auth/me`: the caller.
    @Sendable func me(_ request: Request, context: CallerContext<TenantRequestContext>) async throws -> UserResponse {
        let caller = context.caller
        return UserResponse(try await users.get(caller.userID, by: caller))
    }

    /// Token responses must not be cached (RFC 6749 §5.1).
    static func noStore(_ tokens: TokenResponse) throws -> Response {
        try Response.json(tokens, headers: [.cacheControl: "no-store"])
    }
}
