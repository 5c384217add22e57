import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceKit
import ServiceTestSupport
import Testing

@testable import ObservCollector

@Suite struct RetentionAndMetricsTests {
    let harness = CollectorTestHarness()

    @Test func retentionDeletesOldEventsInChunksAndKeepsTheRest() async throws {
        let store = try harness.openStore()
        let now = Date()
        func events(_ count: Int, receivedDaysAgo days: Double) -> [StoredEvent] {
            (0..<count).map { _ in
                StoredEvent(type: .request, ts: now, receivedAt: now.addingTimeInterval(-days * 86_400), service: "blog-service",
                            method: "GET", path: "/", status: 200, durationMs: 1)
            }
        }
        try await store.insert(events(2_500, receivedDaysAgo: 20))
        try await store.insert(events(10, receivedDaysAgo: 13.9))
        try await store.insert(events(5, receivedDaysAgo: 0))
        let retention = EventRetention(
            store: store, days: 14, interval: .seconds(3600), chunkSize: 1_000, pause: .zero, now: { now },
            logger: Logger(label: "retention") { _ in SwiftLogNoOpLogHandler() })
        #expect(try await retention.purge() == 2_500)
        #expect(try await store.count() == 15)
        #expect(try await retention.purge() == 0)
    }

    @Test func metricsShowTheCollectorsWorkAndTheTenantsTraffic() async throws {
        try await harness.test { client in
            try await client.ingest([
                requestEvent(tenant: harness.acme, status: 200, durationMs: 12, path: "/v1/posts/1", route: "/v1/posts/{id}"),
                requestEvent(tenant: harness.acme, status: 200, durationMs: 30, path: "/v1/posts/2", route: "/v1/posts/{id}"),
                requestEvent(tenant: harness.acme, status: 503, durationMs: 4, path: "/v1/posts", route: "/v1/posts"),
                requestEvent(tenant: nil, status: 200, path: "/healthz", route: nil),
                errorEvent(tenant: harness.acme),
            ])
            var bad = requestEvent(tenant: harness.acme)
            bad["status"] = 1
            try await client.ingest([bad, bad])
            let text = try await client.send(.get, "/metrics").text
            let acme = harness.acme.lowercasedString
            for line in [
                #"collector_events_received_total{service="blog-service"} 5"#,
                #"collector_events_rejected_total{service="blog-service",reason="invalid"} 2"#,
                #"tenant_requests_total{tenant="\#(acme)",service="blog-service",route="/v1/posts/{id}",status_class="2xx"} 2"#,
                #"tenant_requests_total{tenant="\#(acme)",service="blog-service",route="/v1/posts",status_class="5xx"} 1"#,
                #"tenant_requests_total{tenant="none",service="blog-service",route="unknown",status_class="2xx"} 1"#,
                #"tenant_request_duration_seconds_count{tenant="\#(acme)",service="blog-service",route="/v1/posts/{id}",status_class="2xx"} 2"#,
                "collector_commit_events_count 1",
                "collector_queue_depth_events 0",
            ] {
                #expect(text.contains(line), "\(line)")
            }
            #expect(!text.contains("/v1/posts/1\""), "raw paths never become labels")
        }
    }

    @Test func theOpenAPIDocumentIsTrueToTheRoutes() async throws {
        let check = OpenAPIRouteCheck(routes: [
            "POST /v1/events", "GET /v1/logs/requests", "GET /v1/logs/errors", "GET /v1/logs/audit", "GET /v1/traces/{trace_id}",
            "GET /v1/stats", "GET /v1/stats/series", "GET /v1/alerts",
            "GET /dashboard", "GET /dashboard/dashboard.js", "GET /dashboard/dashboard.css", "GET /dashboard/icon.svg",
            "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
        ])
        try await harness.test { client in try await check.check(client) }
    }

    @Test func configurationDefaultsAndErrors() throws {
        let empty = try ConfigurationReader(environment: [:], arguments: [])
        let configuration = try ObservCollectorConfiguration(empty, service: .init(empty, serviceName: "observ-collector", defaultPort: 8083))
        #expect(configuration.service.port == 8083)
        #expect(configuration.retentionDays == 14)
        #expect(configuration.ingestKeys.isEmpty)
        let bad = try ConfigurationReader(environment: ["RETENTION_DAYS": "0"], arguments: [])
        #expect(throws: ConfigurationError.self) {
            try ObservCollectorConfiguration(bad, service: .init(bad, serviceName: "observ-collector", defaultPort: 8083))
        }
    }
}
