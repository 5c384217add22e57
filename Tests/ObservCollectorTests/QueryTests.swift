import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import ObservCollector

@Suite struct QueryTests {
    let harness = CollectorTestHarness()

    @Test func everyQueryRouteIsConfinedToTheTokensTenantAndItsAdmins() async throws {
        let acmeAdmin = try await harness.adminToken(harness.acme)
        let globexAdmin = try await harness.adminToken(harness.globex)
        let acmeModerator = try await harness.adminToken(harness.acme, role: .moderator)
        try await harness.test { client in
            try await client.ingest([
                requestEvent(tenant: harness.acme, path: "/acme"), errorEvent(tenant: harness.acme, message: "acme failed"),
                requestEvent(tenant: harness.globex, path: "/globex"), errorEvent(tenant: harness.globex, message: "globex failed"),
                requestEvent(tenant: nil, path: "/no-tenant"), errorEvent(tenant: nil, message: "no tenant"),
            ])
            #expect(try await client.logs("requests", token: acmeAdmin).items.map(\.path) == ["/acme"])
            #expect(try await client.logs("errors", token: acmeAdmin).items.map(\.message) == ["acme failed"])
            #expect(try await client.logs("requests", token: globexAdmin).items.map(\.path) == ["/globex"])
            let acmeStats = try await client.send(.get, "/v1/stats", token: acmeAdmin).decode(StatsResponse.self)
            #expect(acmeStats.items.map(\.count) == [1])
            let globexByAcmeRequestID = try await client.logs("requests", "request_id=unknown", token: globexAdmin)
            #expect(globexByAcmeRequestID.items.isEmpty)

            for path in ["/v1/logs/requests", "/v1/logs/errors", "/v1/stats"] {
                let forbidden = try await client.send(.get, path, token: acmeModerator)
                #expect(forbidden.status == .forbidden, "\(path)")
                let anonymous = try await client.send(.get, path)
                #expect(anonymous.status == .unauthorized, "\(path)")
                let ingestKey = try await client.send(.get, path, token: CollectorTestHarness.blogKey)
                #expect(ingestKey.status == .unauthorized, "an ingest key reads nothing: \(path)")
            }
        }
    }

    @Test func aTraceIsEveryEventOfItAcrossServicesOldestFirstInTheCallersTenantOnly() async throws {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let acmeAdmin = try await harness.adminToken(harness.acme)
        let globexAdmin = try await harness.adminToken(harness.globex)
        let base = Date().addingTimeInterval(-60)
        @Sendable func traced(_ event: [String: Any], span: String) -> [String: Any] {
            event.merging(["trace_id": trace, "span_id": span]) { $1 }
        }
        try await harness.test { client in
            try await client.ingest([
                traced(requestEvent(tenant: harness.acme, requestID: "blog-1", ts: base.addingTimeInterval(2)), span: "00000000000000b1"),
                traced(errorEvent(tenant: harness.acme, requestID: "blog-1"), span: "00000000000000b1"),
                traced(requestEvent(tenant: harness.globex, requestID: "globex-1", ts: base), span: "00000000000000c1"),
                requestEvent(tenant: harness.acme, requestID: "untraced", ts: base),
            ])
            try await client.ingest([
                traced(requestEvent(tenant: harness.acme, path: "/v1/auth/login", requestID: "auth-1", service: "auth-service", ts: base.addingTimeInterval(1)), span: "00000000000000a1"),
            ], key: CollectorTestHarness.authKey)

            let response = try await client.send(.get, "/v1/traces/\(trace)", token: acmeAdmin)
            #expect(response.status == .ok)
            let events = try response.decode(TraceResponse.self).items
            #expect(events.map(\.requestId) == ["auth-1", "blog-1", "blog-1"], "oldest first, across services, the tenant's only")
            #expect(events.map(\.service) == ["auth-service", "blog-service", "blog-service"])
            #expect(Set(events.map(\.type)) == [.request, .error])
            #expect(try await client.send(.get, "/v1/traces/\(trace)", token: globexAdmin).decode(TraceResponse.self).items.map(\.requestId) == ["globex-1"])
            #expect(try await client.logs("requests", "trace_id=\(trace)", token: acmeAdmin).items.map(\.requestId) == ["blog-1", "auth-1"])
            #expect(try await client.send(.get, "/v1/logs/requests?trace_id=XYZ", token: acmeAdmin).status == .badRequest)

            for missing in [String(repeating: "1", count: 32), "not-a-trace", trace.uppercased()] {
                let response = try await client.send(.get, "/v1/traces/\(missing)", token: acmeAdmin)
                #expect(response.status == .notFound, "\(missing)")
            }
            let moderator = try await harness.adminToken(harness.acme, role: .moderator)
            #expect(try await client.send(.get, "/v1/traces/\(trace)", token: moderator).status == .forbidden)
            #expect(try await client.send(.get, "/v1/traces/\(trace)").status == .unauthorized)
        }
    }

    @Test func aSeriesHasEveryStepOfTheWindowAlignedAndOnlyTheTenantsRequests() async throws {
        let admin = try await harness.adminToken(harness.acme)
        let now = Date()
        try await harness.test { client in
            try await client.ingest([
                requestEvent(tenant: harness.acme, status: 200, durationMs: 10, ts: now.addingTimeInterval(-1)),
                requestEvent(tenant: harness.acme, status: 500, durationMs: 30, ts: now.addingTimeInterval(-1)),
                requestEvent(tenant: harness.acme, status: 200, durationMs: 5, path: "/v1/posts/a", route: "/v1/posts/{id}", ts: now.addingTimeInterval(-300)),
                requestEvent(tenant: harness.acme, ts: now.addingTimeInterval(-7200)),  // before every window but 24h
                requestEvent(tenant: harness.globex, ts: now),
                errorEvent(tenant: harness.acme),
            ])
            let asked = Date()
            let response = try await client.send(.get, "/v1/stats/series?window=15m&step=1m", token: admin)
            let answered = Date()
            #expect(response.status == .ok, "\(response.text)")
            let series = try response.decode(SeriesResponse.self)
            #expect(series.items.count == 15)
            let starts = series.items.map { $0.start.millisecondsSince1970 }
            #expect(starts.allSatisfy { $0 % 60_000 == 0 } && zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 == 60_000 }, "aligned steps")
            // The window ends with the step that holds the moment of the request (a minute may have turned since `now`).
            #expect(series.to.millisecondsSince1970 > asked.millisecondsSince1970 && series.to.millisecondsSince1970 - 60_000 <= answered.millisecondsSince1970)
            #expect(series.items.map(\.count).reduce(0, +) == 3)
            #expect(series.items.map(\.errorCount).reduce(0, +) == 1)
            let second = now.addingTimeInterval(-1)
            let recent = try #require(series.items.first { $0.start <= second && second < $0.start.addingTimeInterval(60) })
            #expect(recent.count == 2 && recent.p50Ms == 10 && recent.p99Ms == 30, "\(recent)")
            #expect(series.items.filter { $0.count == 0 }.allSatisfy { $0.p50Ms == nil })

            let byRoute = try await client.send(.get, "/v1/stats/series?window=1h&step=5m&route=/v1/posts/%7Bid%7D", token: admin).decode(SeriesResponse.self)
            #expect(byRoute.items.count == 12 && byRoute.items.map(\.count).reduce(0, +) == 1)
            let day = try await client.send(.get, "/v1/stats/series?window=24h&step=1h&service=blog-service", token: admin).decode(SeriesResponse.self)
            #expect(day.items.count == 24 && day.items.map(\.count).reduce(0, +) == 4)

            for (query, field) in [("window=2h", "window"), ("step=10s", "step"), ("window=15m&step=1h", "step")] {
                let refused = try await client.send(.get, "/v1/stats/series?\(query)", token: admin)
                #expect(refused.status == .badRequest && refused.error?.details?.first?.field == field, "\(query): \(refused.text)")
            }
            let moderator = try await harness.adminToken(harness.acme, role: .moderator)
            #expect(try await client.send(.get, "/v1/stats/series", token: moderator).status == .forbidden)
        }
    }

    @Test func alertsHoldOnTheLastFiveMinutesOfTheTenantsRequests() async throws {
        let admin = try await harness.adminToken(harness.acme)
        let globexAdmin = try await harness.adminToken(harness.globex)
        let now = Date()
        try await harness.test { client in
            // blog: 20 requests, 2 of them 5xx (10 %), one route slow; auth: 10 requests, 5 failing (too few to count).
            var events = (0..<20).map { requestEvent(tenant: harness.acme, status: $0 < 2 ? 503 : 200, durationMs: 20, ts: now.addingTimeInterval(-10)) }
            events += (0..<20).map { _ in requestEvent(tenant: harness.acme, durationMs: 900, path: "/v1/posts/a", route: "/v1/posts/{id}", ts: now.addingTimeInterval(-10)) }
            events += (0..<40).map { _ in requestEvent(tenant: harness.globex, status: 500, durationMs: 2_000, ts: now) }
            events += (0..<30).map { _ in requestEvent(tenant: harness.acme, status: 500, ts: now.addingTimeInterval(-600)) }  // too old
            try await client.ingest(events)
            try await client.ingest((0..<10).map { requestEvent(tenant: harness.acme, status: $0 < 5 ? 500 : 200, service: "auth-service") }, key: CollectorTestHarness.authKey)

            let alerts = try await client.send(.get, "/v1/alerts", token: admin).decode(AlertsResponse.self)
            #expect(alerts.rules.map(\.name) == ["TenantErrorRateHigh", "LatencyP99High"])
            #expect(alerts.firing.map { "\($0.alert) \($0.service) \($0.route ?? "-")" } == [
                "TenantErrorRateHigh blog-service -", "LatencyP99High blog-service /v1/posts/{id}",
            ])
            #expect(alerts.firing.first?.value == 0.05, "2 of the blog's 40 requests")
            let globex = try await client.send(.get, "/v1/alerts", token: globexAdmin).decode(AlertsResponse.self)
            #expect(globex.firing.count == 2, "globex's own: its error rate and its slow route (\(globex.firing))")
            let moderator = try await harness.adminToken(harness.acme, role: .moderator)
            #expect(try await client.send(.get, "/v1/alerts", token: moderator).status == .forbidden)
        }
    }

    @Test func eachFilterNarrowsTheLog() async throws {
        let admin = try await harness.adminToken()
        let user = UUID()
        let base = Date().addingTimeInterval(-600)
        try await harness.test { client in
            try await client.ingest([
                requestEvent(tenant: harness.acme, status: 200, path: "/v1/posts", method: "GET", requestID: "r-1", ts: base),
                requestEvent(tenant: harness.acme, status: 404, path: "/v1/posts/x", route: "/v1/posts/{id}", method: "GET", requestID: "r-2", userID: user, ts: base.addingTimeInterval(60)),
                requestEvent(tenant: harness.acme, status: 503, path: "/v1/posts", method: "POST", requestID: "r-3", userID: user, ts: base.addingTimeInterval(120)),
            ])
            try await client.ingest([requestEvent(tenant: harness.acme, status: 201, path: "/v1/auth/login", method: "POST", requestID: "r-4", service: "auth-service", ts: base.addingTimeInterval(180))], key: CollectorTestHarness.authKey)

            func ids(_ query: String) async throws -> [String] {
                try await client.logs("requests", query, token: admin).items.compactMap(\.requestId)
            }
            #expect(try await ids("") == ["r-4", "r-3", "r-2", "r-1"], "newest first")
            #expect(try await ids("status=404") == ["r-2"])
            #expect(try await ids("status=5xx") == ["r-3"])
            #expect(try await ids("status=2XX") == ["r-4", "r-1"])
            #expect(try await ids("method=post") == ["r-4", "r-3"])
            #expect(try await ids("path=/v1/posts") == ["r-3", "r-1"])
            #expect(try await ids("user_id=\(user.lowercasedString)") == ["r-3", "r-2"])
            #expect(try await ids("service=auth-service") == ["r-4"])
            #expect(try await ids("request_id=r-2") == ["r-2"])
            let from = Timestamp.format(base.addingTimeInterval(60)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let to = Timestamp.format(base.addingTimeInterval(180)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await ids("from=\(from)") == ["r-4", "r-3", "r-2"])
            #expect(try await ids("from=\(from)&to=\(to)") == ["r-3", "r-2"], "to is exclusive")
            #expect(try await ids("method=POST&service=blog-service") == ["r-3"])

            for bad in ["from=yesterday", "to=1", "status=99", "status=6xx", "user_id=me", "limit=0", "cursor=zz!"] {
                let response = try await client.send(.get, "/v1/logs/requests?\(bad)", token: admin)
                #expect(response.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func logsArePaginatedWithoutGapsOrDuplicates() async throws {
        let admin = try await harness.adminToken()
        try await harness.test { client in
            let start = Date().addingTimeInterval(-100)
            // Several events share a timestamp: the id breaks the tie.
            let events = (0..<45).map { requestEvent(tenant: harness.acme, requestID: "r-\($0)", ts: start.addingTimeInterval(Double($0 / 3))) }
            try await client.ingest(events)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.logs("requests", "limit=20" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                seen += page.items.compactMap(\.requestId)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 45)
            #expect(Set(seen) == Set((0..<45).map { "r-\($0)" }))
            #expect(seen == (0..<45).reversed().map { "r-\($0)" }, "newest first, later arrivals first within a timestamp")
        }
    }

    @Test func percentilesAreComputedOnKnownDurations() async throws {
        let admin = try await harness.adminToken()
        try await harness.test { client in
            let durations = (1...100).map(Double.init).shuffled()
            try await client.ingest(durations.map { requestEvent(tenant: harness.acme, status: $0 > 97 ? 500 : 200, durationMs: $0, route: "/v1/posts/{id}") })
            try await client.ingest([requestEvent(tenant: harness.acme, durationMs: 7, route: "/v1/posts")])
            try await client.ingest([requestEvent(tenant: harness.acme, durationMs: 3, route: "/v1/auth/login", service: "auth-service")], key: CollectorTestHarness.authKey)
            // Too old for the 15-minute window, inside the hour.
            try await client.ingest([requestEvent(tenant: harness.acme, durationMs: 1000, route: "/v1/posts", ts: Date().addingTimeInterval(-1800))])

            let stats = try await client.send(.get, "/v1/stats?window=15m", token: admin).decode(StatsResponse.self)
            #expect(stats.window == "15m")
            // Whole minutes: the one now is in and the 14 before it.
            #expect(stats.from.millisecondsSince1970 % 60_000 == 0)
            #expect(stats.to.timeIntervalSince(stats.from) > 14 * 60 && stats.to.timeIntervalSince(stats.from) <= 15 * 60)
            let byRoute = Dictionary(uniqueKeysWithValues: stats.items.map { ("\($0.service) \($0.route)", $0) })
            let posts = try #require(byRoute["blog-service /v1/posts/{id}"])
            #expect(posts.count == 100)
            #expect(posts.errorCount == 3)
            #expect(posts.p50Ms == 50)
            #expect(posts.p95Ms == 95)
            #expect(posts.p99Ms == 99)
            #expect(byRoute["blog-service /v1/posts"]?.count == 1)
            #expect(byRoute["auth-service /v1/auth/login"]?.p99Ms == 3)
            #expect(stats.items.map(\.service) == ["auth-service", "blog-service", "blog-service"], "sorted by service and route")

            let hour = try await client.send(.get, "/v1/stats", token: admin).decode(StatsResponse.self)
            #expect(hour.window == "1h", "the default window")
            #expect(hour.items.first { $0.route == "/v1/posts" }?.count == 2)
            #expect(try await client.send(.get, "/v1/stats?window=2h", token: admin).status == .badRequest)
        }
    }

    @Test func percentilesFollowTheNearestRank() async throws {
        let admin = try await harness.adminToken()
        try await harness.test { client in
            let sets: [(String, [Double])] = [("/one", [10]), ("/two", [2, 1]), ("/twenty", (1...20).map(Double.init).shuffled())]
            for (route, durations) in sets {
                try await client.ingest(durations.map { requestEvent(tenant: harness.acme, durationMs: $0, route: route) })
            }
            let stats = try await client.send(.get, "/v1/stats?window=15m", token: admin).decode(StatsResponse.self)
            let byRoute = Dictionary(uniqueKeysWithValues: stats.items.map { ($0.route, $0) })
            #expect(byRoute["/one"].map { [$0.p50Ms, $0.p95Ms, $0.p99Ms] } == [10, 10, 10])
            #expect(byRoute["/two"].map { [$0.p50Ms, $0.p95Ms, $0.p99Ms] } == [1, 2, 2])
            #expect(byRoute["/twenty"].map { [$0.p50Ms, $0.p95Ms, $0.p99Ms] } == [10, 19, 20])
            let empty = try await client.send(.get, "/v1/stats?window=15m", token: try await harness.adminToken(harness.globex))
            #expect(try empty.decode(StatsResponse.self).items.isEmpty)
        }
    }
}
