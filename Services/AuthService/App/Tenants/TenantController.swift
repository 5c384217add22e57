import Hummingbird
import ServiceKit
import TokenVerification

/// `POST /v1/tenants` and `GET /v1/tenants/current`.
struct TenantController: Sendable {
    let service: TenantService
    let trustedProxies: TrustedProxies

    struct SignUpResponse: Codable {
        var tenant: TenantResponse
        var user: UserResponse
    }

    func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post(use: signUp)
    }

    func addAuthenticatedRoutes(to group: RouterGroup<CallerContext<TenantRequestContext>>) {
        group.get("current", use: current)
    }

    /// `POST /v1/tenants`: a tenant and its first admin; 201.
    @Sendable func signUp(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await request.decode(as: SignUpRequest.self, context: context)
        let (tenant, admin) = try await service.signUp(
            body, clientAddress: context.clientAddress(of: request, trustedProxies: trustedProxies), audit: context.audit, logger: context.logger)
        return try Response.json(
            SignUpResponse(tenant: TenantResponse(tenant), user: UserResponse(admin)), status: .created,
            headers: [.location: "/v1/tenants/current"])
    }

    /// `GET /v1/tenants/current`: the caller's tenant.
    @Sendable func current(_ request: Request, context: CallerContext<TenantRequestContext>) async throws -> TenantResponse {
        TenantResponse(try await service.current(for: context.caller))
    }
}

extension TenantResponse: ResponseEncodable {}
