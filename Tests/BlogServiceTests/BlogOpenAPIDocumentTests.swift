import ServiceTestSupport
import Testing

@Suite struct BlogOpenAPIDocumentTests {
    @Test func theDocumentIsTrueToTheRoutes() async throws {
        let check = OpenAPIRouteCheck(routes: [
            "GET /v1/posts", "POST /v1/posts", "GET /v1/posts/{id}", "PATCH /v1/posts/{id}", "DELETE /v1/posts/{id}",
            "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
        ])
        try await BlogTestHarness().test { client in try await check.check(client) }
    }
}
