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
