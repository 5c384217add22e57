import Foundation
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import ObservCollector

/// Tenant isolation of the collector as a property: a random sequence of ingests (request and error
/// events of three tenants and of none, from two services) and queries (both logs, with random filters,
/// walked page by page; statistics) by users of the three tenants in every role is checked, answer by
/// answer, against a model written from the contract: a tenant's admin sees exactly that tenant's
/// events that match, newest first; nobody else sees any. `ISOLATION_SEED` replays a run;
/// `ISOLATION_OPERATIONS` sets its length.
@Suite struct LogIsolationPropertyTests {
    /// An event as the model knows it.
    struct ModelEvent {
        let arrival: Int
        let type: String
        let tenant: UUID?
        let service: String
        let requestID: String
        let userID: UUID
        let method: String
        let path: String
        let route: String
        let status: Int
        let ts: Date

        var json: [String: Any] {
            var event: [String: Any] = [
                "type": type, "ts": Timestamp.format(ts), "service": service, "request_id": requestID, "user_id": userID.lowercasedString,
            ]
            if let tenant { event["tenant_id"] = tenant.lowercasedString }
            if type == "request" {
                event.merge(["method": method, "path": path, "route": route, "status": status, "duration_ms": Double(status) / 10]) { $1 }
            } else {
                event.merge(["level": "error", "message": "failed \(requestID)", "error_type": "TestError"]) { $1 }
            }
            return event
        }
    }

    /// A query's filters, as the query string and as the model's test.
    struct Filter {
        var query: [String] = []
        var tests: [(ModelEvent) -> Bool] = []

        mutating func add(_ name: String, _ value: String, _ test: @escaping (ModelEvent) -> Bool) {
            query.append("\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            tests.append(test)
        }

        func matches(_ event: ModelEvent) -> Bool { tests.allSatisfy { $0(event) } }
    }

    @Test(arguments: StoreKind.available)
    func noQueryEverShowsAnEventOfAnotherTenantOrMissesOneOfItsOwn(kind: StoreKind) async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["ISOLATION_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let operations = environment["ISOLATION_OPERATIONS"].flatMap(Int.init) ?? 400
        let harness = CollectorTestHarness()
        let tenants = [harness.acme, harness.globex, UUID()]
        let actors = tenants.flatMap { tenant in [Role.admin, .admin, .moderator, .user].map { TestIdentity(tenantID: tenant, role: $0) } }
        var tokens: [TestIdentity: String] = [:]
        for actor in actors { tokens[actor] = try await harness.minter.token(for: actor) }
        let tokensByActor = tokens
        let users = (0..<3).map { _ in UUID() }
        let paths = [("/v1/posts", "/v1/posts"), ("/v1/posts/a", "/v1/posts/{id}"), ("/v1/posts/b", "/v1/posts/{id}"), ("/v1/auth/login", "/v1/auth/login")]
        // Well inside the statistics' default window (1 hour); two events share each second.
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 1800).rounded(.down))

        try await withEventStore(kind) { store in
            try await harness.test(store: store) { client in
                var random = SeededGenerator(state: seed)
                var events: [ModelEvent] = []
                var counts: [String: Int] = [:]
                func fail(_ what: String) { Issue.record("seed \(seed), operation \(counts.values.reduce(0, +)): \(what)") }

                for _ in 0..<operations {
                    let actor = actors.randomElement(using: &random)!
                    let token = tokensByActor[actor]!
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0..<3:
                        let service = Bool.random(using: &random) ? "blog-service" : "auth-service"
                        let batch = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                            let (path, route) = paths.randomElement(using: &random)!
                            let event = ModelEvent(
                                arrival: events.count, type: Int.random(in: 0..<4, using: &random) == 0 ? "error" : "request",
                                tenant: (tenants + [nil]).randomElement(using: &random)!, service: service, requestID: "e\(events.count)",
                                userID: users.randomElement(using: &random)!, method: ["GET", "POST"].randomElement(using: &random)!, path: path,
                                route: route, status: [200, 201, 404, 500, 503].randomElement(using: &random)!,
                                ts: base.addingTimeInterval(Double(events.count / 2)))
                            events.append(event)
                            return event
                        }
                        let key = service == "blog-service" ? CollectorTestHarness.blogKey : CollectorTestHarness.authKey
                        let response = try await client.ingest(batch.map(\.json), key: key)
                        counts["ingest", default: 0] += 1
                        if response.status != .accepted { fail("ingest answered \(response.status): \(response.text)") }
                    case 3..<8:
                        let log = Bool.random(using: &random) ? "requests" : "errors"
                        var filter = Filter()
                        if Bool.random(using: &random) {
                            let service = Bool.random(using: &random) ? "blog-service" : "auth-service"
                            filter.add("service", service) { $0.service == service }
                        }
                        if Int.random(in: 0..<3, using: &random) == 0 {
                            let user = users.randomElement(using: &random)!
                            filter.add("user_id", user.lowercasedString) { $0.userID == user }
                        }
                        if Int.random(in: 0..<4, using: &random) == 0, let event = events.randomElement(using: &random) {
                            filter.add("request_id", event.requestID) { $0.requestID == event.requestID }
                        }
                        if Int.random(in: 0..<4, using: &random) == 0, let event = events.randomElement(using: &random) {
                            filter.add("from", Timestamp.format(event.ts)) { $0.ts >= event.ts }
                        }
                        if log == "requests" {
                            if Int.random(in: 0..<3, using: &random) == 0 {
                                let method = ["GET", "POST"].randomElement(using: &random)!
                                filter.add("method", method) { $0.method == method }
                            }
                            if Int.random(in: 0..<3, using: &random) == 0 {
                                let path = paths.randomElement(using: &random)!.0
                                filter.add("path", path) { $0.path == path }
                            }
                            if Int.random(in: 0..<3, using: &random) == 0 {
                                let status = ["200", "404", "5xx", "2xx"].randomElement(using: &random)!
                                filter.add("status", status) { status.hasSuffix("xx") ? "\($0.status / 100)xx" == status : "\($0.status)" == status }
                            }
                        }
                        let limit = Int.random(in: 1...25, using: &random)
                        let query = (filter.query + ["limit=\(limit)"]).joined(separator: "&")
                        counts["logs", default: 0] += 1
                        guard actor.role == .admin else {
                            let response = try await client.send(.get, "/v1/logs/\(log)?\(query)", token: token)
                            if response.status != .forbidden { fail("\(actor.role) read /v1/logs/\(log): \(response.status)") }
                            continue
                        }
                        var seen: [String] = []
                        var cursor: String?
                        repeat {
                            let response = try await client.send(.get, "/v1/logs/\(log)?\(query)" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                            guard response.status == .ok, let page = try? response.decode(Page<EventResponse>.self) else {
                                fail("/v1/logs/\(log)?\(query) answered \(response.status): \(response.text)")
                                break
                            }
                            if page.items.count > limit { fail("a page of \(page.items.count) for limit \(limit)") }
                            seen += page.items.map { $0.requestId ?? "-" }
                            cursor = page.nextCursor
                        } while cursor != nil
                        let expected = events
                            .filter { $0.tenant == actor.tenantID && $0.type == String(log.dropLast()) && filter.matches($0) }
                            .sorted { ($0.ts, $0.arrival) > ($1.ts, $1.arrival) }
                            .map(\.requestID)
                        if seen != expected { fail("\(actor.role) of \(actor.tenantID) read /v1/logs/\(log)?\(query): \(seen), expected \(expected)") }
                    default:
                        let response = try await client.send(.get, "/v1/stats", token: token)
                        counts["stats", default: 0] += 1
                        guard actor.role == .admin else {
                            if response.status != .forbidden { fail("\(actor.role) read /v1/stats: \(response.status)") }
                            continue
                        }
                        guard response.status == .ok, let stats = try? response.decode(StatsResponse.self) else {
                            fail("/v1/stats answered \(response.status): \(response.text)")
                            continue
                        }
                        let seen = Set(stats.items.map { "\($0.service) \($0.route) \($0.count) \($0.errorCount)" })
                        let own = events.filter { $0.tenant == actor.tenantID && $0.type == "request" }
                        let expected = Set(Dictionary(grouping: own) { "\($0.service) \($0.route)" }.map { key, group in
                            "\(key) \(group.count) \(group.filter { $0.status >= 500 }.count)"
                        })
                        if seen != expected { fail("stats of \(actor.tenantID): \(seen.sorted()), expected \(expected.sorted())") }
                    }
                }
                #expect(counts.values.reduce(0, +) == operations)
                print("log isolation on \(kind): \(operations) operations (\(counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))), seed \(seed)")
            }
        }
    }
}
