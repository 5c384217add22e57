import Foundation
import Synchronization
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing

@testable import ObservCollector

/// What a hostile or careless sender does to the collector, and how it holds (the hardening issue's
/// findings 3, 5 and 6, and the per-tenant ingest quota).
@Suite struct CollectorHostileInputTests {
    /// Finding 5: `duration_ms: 1e17` was committed and then trapped the process in the metrics.
    @Test func aDurationBeyondADayIsRefusedAndADayIsCounted() async throws {
        let harness = CollectorTestHarness()
        try await harness.test { client in
            let refused = try await client.ingest([requestEvent(tenant: harness.acme, durationMs: 1e17)])
            #expect(refused.status == .badRequest)
            #expect(refused.error?.details?.map(\.field) == ["events[0].duration_ms"])
            let accepted = try await client.ingest([requestEvent(tenant: harness.acme, durationMs: 86_400_000)])
            #expect(accepted.status == .accepted)
            let metrics = try await client.send(.get, "/metrics").text
            let acme = harness.acme.lowercasedString
            #expect(prometheusValue(#"tenant_request_duration_seconds_sum{tenant="\#(acme)",service="blog-service",route="/v1/posts",status_class="2xx"}"#, in: metrics) == 86_400)
        }
    }

    /// Finding 3: a refusal names every invalid event (not only the first), so that a sender sets
    /// those aside and delivers the rest in one more try.
    @Test func aRefusalNamesEveryInvalidEvent() async throws {
        let harness = CollectorTestHarness()
        try await harness.test { client in
            let response = try await client.ingest([
                requestEvent(tenant: harness.acme),
                requestEvent(tenant: harness.acme, path: "/v1/posts\u{0}"),
                requestEvent(tenant: harness.acme),
                requestEvent(tenant: harness.acme, path: String(repeating: "a", count: 2049)),
            ])
            #expect(response.status == .badRequest)
            #expect(response.error?.details?.map(\.field) == ["events[1].path", "events[3].path"])
            #expect(try await harness.openStore().count() == 0, "nothing of the batch is stored")
        }
    }

    /// Log filters are compared with stored texts: held to the events' rules (no NUL or control
    /// character, the same lengths), and a typed filter that is empty does not parse.
    @Test func logFiltersAreValidatedBeforeTheQuery() async throws {
        let harness = CollectorTestHarness()
        let admin = try await harness.adminToken()
        try await harness.test { client in
            for (query, field) in [
                ("path=%2Fv1%00x", "path"), ("method=G%0AET", "method"), ("request_id=\(String(repeating: "r", count: 129))", "request_id"),
                ("user_id=", "user_id"), ("status=", "status"), ("from=", "from"),
            ] {
                let response = try await client.send(.get, "/v1/logs/requests?\(query)", token: admin)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.error?.details?.map(\.field) == [field], "\(query)")
            }
            #expect(try await client.send(.get, "/v1/logs/requests?path=&method=", token: admin).status == .ok, "an empty text filter is none")
        }
    }

    /// Finding 3: what the sender clamps, the collector accepts: one definition, counted the same way
    /// (Unicode scalars, not characters or bytes).
    @Test func aClampedEventIsAlwaysAccepted() {
        var event = ObservedEvent(type: .request, at: Date(), service: "blog-service")
        event.method = "GET"
        event.path = "/" + String(repeating: "é", count: 5000)  // two bytes each
        event.userAgent = String(repeating: "e\u{301}", count: 400) + "\u{0}\u{7}"  // 800 scalars, 400 characters
        event.requestID = String(repeating: "r", count: 500)
        event.message = ""
        event.status = 200
        event.durationMs = 1e17
        let receivedAt = Date()
        guard case .failure = event.validated(index: 0, keyService: "blog-service", receivedAt: receivedAt) else {
            Issue.record("the raw event is refused")
            return
        }
        let clamped = event.clamped()
        #expect(clamped.path?.unicodeScalars.count == 2048)
        #expect(clamped.userAgent?.unicodeScalars.count == 512)
        #expect(clamped.durationMs == 86_400_000)
        guard case .success = clamped.validated(index: 0, keyService: "blog-service", receivedAt: receivedAt) else {
            Issue.record("the clamped event is accepted")
            return
        }
    }

    /// Finding 6: one request with thousands of invented routes and tenants adds a bounded number of
    /// series; routes that are not paths are `unknown`.
    @Test func learnedSeriesAreBounded() async throws {
        let harness = CollectorTestHarness.with {
            $0.metricsMaxTenants = 2
            $0.metricsMaxRoutes = 3
        }
        try await harness.test { client in
            var events: [[String: Any]] = []
            for index in 0..<2_000 {
                events.append(requestEvent(tenant: UUID(), path: "/r/\(index)", route: "/r/\(index)"))
            }
            events.append(requestEvent(tenant: nil, route: #"not a path"} 1 fake_metric 1"#))
            #expect(try await client.ingest(events).status == .accepted)
            let metrics = try await client.send(.get, "/metrics").text
            let series = metrics.split(separator: "\n").filter { $0.hasPrefix("tenant_requests_total{") }
            #expect(series.count <= 2 * 3 + 3 + 1, "\(series.count) series")
            #expect(series.contains { $0.contains(#"tenant="other""#) && $0.contains(#"route="other""#) })
            #expect(series.contains { $0.contains(#"tenant="none""#) && $0.contains(#"route="unknown""#) })
            #expect(!metrics.contains("fake_metric"))
        }
    }

    /// One tenant's traffic cannot fill the collector: beyond its quota its events are dropped at
    /// ingest, counted and reported, and the batch still succeeds; other tenants are untouched.
    @Test func eventsOverATenantsQuotaAreDroppedAndCounted() async throws {
        let harness = CollectorTestHarness.with {
            $0.tenantEventRate = 1
            $0.tenantEventBurst = 5
        }
        try await harness.test { client in
            let events = (0..<8).map { _ in requestEvent(tenant: harness.acme) } + (0..<2).map { _ in requestEvent(tenant: harness.globex) }
            let response = try await client.ingest(events)
            #expect(response.status == .accepted)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Int]
            #expect(body == ["accepted": 7, "dropped": 3])
            #expect(try await harness.openStore().count() == 7)
            let metrics = try await client.send(.get, "/metrics").text
            let acme = harness.acme.lowercasedString
            #expect(prometheusValue(#"collector_events_dropped_total{tenant="\#(acme)",reason="tenant_quota"}"#, in: metrics) == 3)
        }
    }

    /// The default quota lets one tenant's full batch of 10,000 through at once.
    @Test func theDefaultQuotaTakesAFullBatch() async throws {
        let harness = CollectorTestHarness()
        try await harness.test { client in
            let response = try await client.ingest((0..<10_000).map { _ in requestEvent(tenant: harness.acme) })
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Int]
            #expect(body == ["accepted": 10_000, "dropped": 0])
        }
    }
}

/// The learned tenant series keep the busiest tenants (CONTRACT.md: `METRICS_MAX_TENANTS`, the busiest
/// are kept): a busier newcomer takes the place of the quietest, whose series go.
@Suite struct LearnedLabelsTests {
    final class Clock: Sendable {
        let now = Mutex(Date())
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    func events(_ tenant: UUID, _ count: Int) -> [StoredEvent] {
        (0..<count).map { _ in
            StoredEvent(
                type: .request, ts: Date(), receivedAt: Date(), service: "blog-service", tenantID: tenant, userID: nil, requestID: nil,
                method: "GET", path: "/v1/posts", route: "/v1/posts", status: 200, durationMs: 1, clientIP: nil, userAgent: nil,
                level: nil, message: nil, errorType: nil)
        }
    }

    @Test func theBusiestTenantsKeepTheirSeries() {
        let clock = Clock()
        let metrics = ServiceMetrics()
        let collector = CollectorMetrics(metrics, maxTenants: 2, maxRoutes: 10, now: { clock.now.withLock { $0 } })
        let (quiet, steady, busy) = (UUID(), UUID(), UUID())
        func series(_ tenant: UUID) -> Double? {
            prometheusValue(
                #"tenant_requests_total{tenant="\#(tenant.lowercasedString)",service="blog-service",route="/v1/posts",status_class="2xx"}"#,
                in: metrics.render())
        }
        collector.learn(from: events(quiet, 1) + events(steady, 5) + events(busy, 10))
        #expect(series(quiet) == 1 && series(steady) == 5, "the first two get places")
        #expect(series(busy) == nil, "the third counts as other")
        clock.advance(61)
        collector.learn(from: events(busy, 1))
        #expect(series(busy) == 1, "the busiest takes a place at the next ranking")
        #expect(series(steady) == 5)
        #expect(series(quiet) == nil, "the quietest's series are gone")
    }

    /// Labels are made once for the events that share them: grouped by tenant, service, route and
    /// status class, in the order first seen, without the events that make no series.
    @Test func requestEventsAreGroupedByWhatTheirLabelsAreMadeFrom() {
        let (first, second) = (UUID(), UUID())
        func event(_ tenant: UUID?, route: String? = "/v1/posts", status: Int? = 200, durationMs: Double? = 1, type: StoredEvent.Kind = .request) -> StoredEvent {
            var event = events(first, 1)[0]
            event.tenantID = tenant
            event.route = route
            event.status = status
            event.durationMs = durationMs
            event.type = type
            return event
        }
        let groups = CollectorMetrics.RequestGroup.groups(of: [
            event(second, durationMs: 1), event(first, durationMs: 2), event(second, durationMs: 3), event(second, status: 201, durationMs: 4),
            event(second, status: 503, durationMs: 5), event(second, route: nil, durationMs: 6), event(nil, durationMs: 7),
            event(second, status: nil), event(second, durationMs: nil), event(second, type: .error),
        ])
        #expect(groups.map { "\($0.key.tenantID == first ? "first" : $0.key.tenantID == second ? "second" : "none") \($0.key.route ?? "-") \($0.key.statusClass)" } == [
            "second /v1/posts 2", "first /v1/posts 2", "second /v1/posts 5", "second - 2", "none /v1/posts 2",
        ])
        #expect(groups.map(\.durations) == [[1, 3, 4], [2], [5], [6], [7]])
    }
}
