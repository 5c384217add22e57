import ServiceTestSupport
import Testing

@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentIsTrueToTheRoutes() async throws {
        let check = OpenAPIRouteCheck(routes: [
            "POST /v1/tenants", "GET /v1/tenants/current",
            "POST /v1/auth/register", "POST /v1/auth/login", "POST /v1/auth/refresh", "POST /v1/auth/logout",
            "POST /v1/auth/logout-all", "GET /v1/auth/me",
            "GET /v1/users", "POST /v1/users", "GET /v1/users/{id}", "PATCH /v1/users/{id}", "DELETE /v1/users/{id}",
            "GET /.well-known/jwks.json", "GET /.well-known/revocations",
            "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
        ])
        try await AuthTestHarness().test { client in try await check.check(client) }
    }
}
