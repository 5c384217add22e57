import Hummingbird
import HummingbirdTesting
import Testing

@testable import ServiceKit

@Suite struct RequestMetricsTests {
    @Test func requestsAreCountedByRouteTemplateAndStatus() async throws {
        let metrics = ServiceMetrics()
        let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: metrics, readiness: { 1 })
        router.get("/v1/posts/:id") { _, _ -> Response in throw AppError.notFound("Post not found") }
        router.addMethodNotAllowedRoutes()
        try await Application(router: router).test(.router) { client in
            for id in ["a", "b", "c"] {
                try await client.execute(uri: "/v1/posts/\(id)", method: .get) { #expect($0.status == .notFound) }
            }
            try await client.execute(uri: "/no/such/route", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"http_requests_total{method="GET",route="/v1/posts/{id}",status="404"} 3"#))
                #expect(text.contains(#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
                #expect(text.contains(#"http_request_duration_seconds_count{method="GET",route="/v1/posts/{id}",status="404"} 3"#))
                // Raw paths never become labels.
                #expect(!text.contains("/v1/posts/a"))
            }
        }
    }

    @Test func routeLabelsUseTheContractsTemplateSyntax() {
        typealias Middleware = RequestMetricsMiddleware<BasicServiceRequestContext>
        #expect(Middleware.routeLabel("/v1/users/:id") == "/v1/users/{id}")
        #expect(Middleware.routeLabel("NotFound") == "unmatched")
        #expect(Middleware.routeLabel(nil) == "unmatched")
    }
}
