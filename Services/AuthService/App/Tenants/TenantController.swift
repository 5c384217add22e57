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
        group.post { request, context in
            let body = try await request.decode(as: SignUpRequest.self, context: context)
            let (tenant, admin) = try await service.signUp(body, clientAddress: context.clientAddress(of: request, trustedProxies: trustedProxies), logger: context.logger)
            return try Response.json(
                SignUpResponse(tenant: TenantResponse(tenant), user: UserResponse(admin)), status: .created,
                headers: [.location: "/v1/tenants/current"])
        }
    }

    func addAuthenticatedRoutes(to group: RouterGroup<CallerContext<TenantRequestContext>>) {
        group.get("current") { _, context in
            TenantResponse(try await service.current(for: context.caller))
        }
    }
}

extension TenantResponse: ResponseEncodable {}
