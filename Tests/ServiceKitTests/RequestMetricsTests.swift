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
        #expect(RouteLabel.of("/v1/users/:id") == "/v1/users/{id}")
        #expect(RouteLabel.of("/v1/users/:id") == "/v1/users/{id}")  // made once, then kept
        #expect(RouteLabel.of("/v1/users/:id/sessions/:sid") == "/v1/users/{id}/sessions/{sid}")
        #expect(RouteLabel.of("NotFound") == "unmatched")
        #expect(RouteLabel.of(nil) == "unmatched")
    }

    /// Each series is counted and timed in seconds, the same handles serving its later requests; past the
    /// bound on kept series, requests are still counted.
    @Test func eachSeriesCountsAndTimesItsRequests() {
        let metrics = ServiceMetrics()
        let series = RequestSeries(factory: metrics.factory)
        series.record(method: "GET", route: "/v1/posts", status: 200, elapsed: .milliseconds(250))
        series.record(method: "GET", route: "/v1/posts", status: 200, elapsed: .milliseconds(750))
        series.record(method: "GET", route: "/v1/posts", status: 500, elapsed: .seconds(2))
        for index in 0...RequestSeries.limit {
            series.record(method: "POST", route: "/r/\(index)", status: 201, elapsed: .zero)
        }
        series.record(method: "POST", route: "/r/\(RequestSeries.limit)", status: 201, elapsed: .zero)
        let text = metrics.render()
        #expect(text.contains(#"http_requests_total{method="GET",route="/v1/posts",status="200"} 2"#))
        #expect(text.contains(#"http_request_duration_seconds_sum{method="GET",route="/v1/posts",status="200"} 1.0"#))
        #expect(text.contains(#"http_requests_total{method="GET",route="/v1/posts",status="500"} 1"#))
        #expect(text.contains(#"http_request_duration_seconds_sum{method="GET",route="/v1/posts",status="500"} 2.0"#))
        #expect(text.contains(#"http_requests_total{method="POST",route="/r/\#(RequestSeries.limit)",status="201"} 2"#))
    }
}
