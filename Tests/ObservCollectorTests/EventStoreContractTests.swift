import DatabaseKit
import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceKit
import ServiceTestSupport
import Testing

@testable import ObservCollector

/// Runs `body` on a fresh event store of `kind`: SQLite in a temporary file, or a schema of its own on
/// the test PostgreSQL server.
func withEventStore(_ kind: StoreKind, _ body: @escaping @Sendable (any EventStore) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        try await withTemporaryFolder("event-store") { folder in
            try await body(SQLiteEventStore(database: try openSQLiteDatabase(path: folder + "collector.sqlite")))
        }
    case .postgres:
        try await TestPostgres.withDatabase(name: "collector", migrations: CollectorSchema.postgres) { database in
            try await body(PostgresEventStore(database: database, logger: Logger(label: "test")))
        }
    }
}

/// What every event store must do, whatever the database: one suite, run on each store.
@Suite struct EventStoreContractTests {
    static let now = Date(millisecondsSince1970: 1_795_000_020_000)  // the start of a minute

    static func request(
        tenant: UUID?, at offset: Int64 = 0, status: Int = 200, duration: Double = 1, route: String? = "/v1/posts/{id}", path: String = "/v1/posts/1",
        service: String = "blog-service", receivedDaysAgo: Double = 0
    ) -> StoredEvent {
        StoredEvent(
            type: .request, ts: Date(millisecondsSince1970: now.millisecondsSince1970 + offset),
            receivedAt: now.addingTimeInterval(-receivedDaysAgo * 86_400), service: service, tenantID: tenant, userID: UUID(),
            requestID: UUID().lowercasedString, method: "GET", path: path, route: route, status: status, durationMs: duration,
            clientIP: "203.0.113.7", userAgent: "curl/8.5.0")
    }

    @Test(arguments: StoreKind.available)
    func eventsComeBackAsSentNewestFirstAndConfinedToTheirTenant(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let (tenant, other) = (UUID(), UUID())
            var error = StoredEvent(
                type: .error, ts: Self.now, receivedAt: Self.now, service: "auth-service", tenantID: tenant, requestID: "r-1",
                level: "error", message: "line one\n\ttabbed \\ backslash, 100% ünïcode", errorType: "internal")
            try await store.insert([Self.request(tenant: tenant, at: 1), Self.request(tenant: tenant, at: 2), Self.request(tenant: other), error])
            let requests = try await store.events(matching: EventQuery(tenantID: tenant, type: .request), page: PageRequest())
            #expect(requests.map(\.ts.millisecondsSince1970) == [Self.now.millisecondsSince1970 + 2, Self.now.millisecondsSince1970 + 1])
            let errors = try await store.events(matching: EventQuery(tenantID: tenant, type: .error), page: PageRequest())
            #expect(errors.count == 1)
            error.id = errors.first?.id
            #expect(errors.first == error)  // every field, the text's tabs, line breaks and backslashes, and the NULLs
            #expect(try await store.events(matching: EventQuery(tenantID: UUID(), type: .request), page: PageRequest()).isEmpty)
            #expect(try await store.count() == 4)
        }
    }

    @Test(arguments: StoreKind.available)
    func auditEventsKeepEveryFieldAndFilterByActionOutcomeActorAndSubject(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let (tenant, admin, user) = (UUID(), UUID(), UUID())
            func audit(_ action: String, _ outcome: String, actor: UUID?, subject: UUID?, reason: String? = nil, at offset: Int64) -> StoredEvent {
                StoredEvent(
                    type: .audit, ts: Date(millisecondsSince1970: Self.now.millisecondsSince1970 + offset), receivedAt: Self.now,
                    service: "auth-service", tenantID: tenant, requestID: "r-\(offset)", clientIP: "203.0.113.7", userAgent: "curl/8",
                    traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", action: action, outcome: outcome,
                    actorID: actor, subjectID: subject, reason: reason)
            }
            let events = [
                audit("login.failed", "failure", actor: nil, subject: user, reason: "wrong_password", at: 1),
                audit("login.succeeded", "success", actor: user, subject: user, at: 2),
                audit("user.role_changed", "success", actor: admin, subject: user, at: 3),
            ]
            try await store.insert(events + [Self.request(tenant: tenant)])
            let stored = try await store.events(matching: EventQuery(tenantID: tenant, type: .audit), page: PageRequest())
            #expect(stored.map { var event = $0; event.id = nil; return event } == events.reversed())  // every field, NULLs too
            func actions(_ change: (inout EventQuery) -> Void) async throws -> [String] {
                var query = EventQuery(tenantID: tenant, type: .audit)
                change(&query)
                return try await store.events(matching: query, page: PageRequest()).compactMap(\.action)
            }
            #expect(try await actions { $0.action = "login.failed" } == ["login.failed"])
            #expect(try await actions { $0.outcome = "success" } == ["user.role_changed", "login.succeeded"])
            #expect(try await actions { $0.actorID = admin } == ["user.role_changed"])
            #expect(try await actions { $0.subjectID = user } == ["user.role_changed", "login.succeeded", "login.failed"])
            #expect(try await actions { $0.traceID = "4bf92f3577b34da6a3ce929d0e0e4736" }.count == 3)
        }
    }

    @Test(arguments: StoreKind.available)
    func theLogsPageAndFilter(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let events = (0..<5).map { Self.request(tenant: tenant, at: Int64($0), status: [200, 404, 500, 503, 201][$0], service: $0 == 4 ? "auth-service" : "blog-service") }
            try await store.insert(events)
            let first = try await store.events(matching: EventQuery(tenantID: tenant, type: .request), page: PageRequest(limit: 2))
            #expect(first.count == 3)
            let cursor = KeysetCursor(date: first[1].ts, id: String(try #require(first[1].id)))
            let rest = try await store.events(matching: EventQuery(tenantID: tenant, type: .request), page: PageRequest(limit: 2, after: cursor))
            #expect(rest.map(\.status) == [500, 404, 200])
            var query = EventQuery(tenantID: tenant, type: .request)
            query.status = .inClass(5)
            #expect(try await store.events(matching: query, page: PageRequest()).map(\.status) == [503, 500])
            query.status = .exactly(404)
            #expect(try await store.events(matching: query, page: PageRequest()).map(\.status) == [404])
            query = EventQuery(tenantID: tenant, type: .request)
            query.service = "auth-service"
            #expect(try await store.events(matching: query, page: PageRequest()).map(\.status) == [201])
            query = EventQuery(tenantID: tenant, type: .request)
            query.requestID = events[2].requestID
            query.userID = events[2].userID
            query.from = events[2].ts
            query.to = events[3].ts
            #expect(try await store.events(matching: query, page: PageRequest()).map(\.status) == [500])
        }
    }

    @Test(arguments: StoreKind.available)
    func statisticsArePerRouteWithNearestRankPercentiles(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            // 100 requests of one route taking 1…100 ms, three of them 5xx; 2 of a path without a route.
            var events = (1...100).map { Self.request(tenant: tenant, status: $0 <= 3 ? 500 : 200, duration: Double($0)) }
            events += [Self.request(tenant: tenant, duration: 7, route: nil, path: "/healthz"), Self.request(tenant: tenant, duration: 9, route: nil, path: "/healthz")]
            events += [Self.request(tenant: UUID(), duration: 1000), Self.request(tenant: tenant, at: -10_000, duration: 1000)]  // another tenant; too old
            try await store.insert(events)
            let stats = try await store.routeStatistics(tenantID: tenant, since: Self.now, limit: 10)
            #expect(stats == [
                RouteStatistics(service: "blog-service", route: "/v1/posts/{id}", count: 100, errorCount: 3, p50Ms: 50, p95Ms: 95, p99Ms: 99),
                RouteStatistics(service: "blog-service", route: "/healthz", count: 2, errorCount: 0, p50Ms: 7, p95Ms: 9, p99Ms: 9),
            ])
            // The limit keeps the most requested routes, each counted whole.
            #expect(try await store.routeStatistics(tenantID: tenant, since: Self.now, limit: 1) == Array(stats.prefix(1)))
        }
    }

    /// A route is a service's: two services' requests of one route are counted apart, though their
    /// rollups follow one another (SQLite's pass compares each row's service and route with the last's).
    @Test(arguments: StoreKind.available)
    func twoServicesRequestsOfOneRouteAreCountedApart(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let minute: Int64 = 60_000
            var events = (0..<3).map { Self.request(tenant: tenant, at: Int64($0), duration: 10, route: "/v1/a", service: "auth-service") }
            events += (0..<2).map { Self.request(tenant: tenant, at: Int64($0), duration: 20, route: "/v1/a") }
            events += [Self.request(tenant: tenant, duration: 20, route: "/v1/b")]
            events += [Self.request(tenant: tenant, at: minute, duration: 30, route: "/v1/a", service: "auth-service")]
            events += [Self.request(tenant: tenant, at: minute, duration: 20, route: "/v1/b")]
            try await store.insert(events)
            #expect(try await store.routeStatistics(tenantID: tenant, since: Self.now, limit: 10) == [
                RouteStatistics(service: "auth-service", route: "/v1/a", count: 4, errorCount: 0, p50Ms: 10, p95Ms: 30, p99Ms: 30),
                RouteStatistics(service: "blog-service", route: "/v1/a", count: 2, errorCount: 0, p50Ms: 20, p95Ms: 20, p99Ms: 20),
                RouteStatistics(service: "blog-service", route: "/v1/b", count: 2, errorCount: 0, p50Ms: 20, p95Ms: 20, p99Ms: 20),
            ])
        }
    }

    @Test(arguments: StoreKind.available)
    func aSeriesCountsEachStepWithNearestRankPercentiles(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let (tenant, other) = (UUID(), UUID())
            let minute: Int64 = 60_000
            // Step 0: durations 1…100 (one 5xx); step 2: three auth requests; a request of another
            // tenant, one of another route, and one just past the window.
            var events = (1...100).map { Self.request(tenant: tenant, at: Int64($0), status: $0 == 50 ? 503 : 200, duration: Double($0)) }
            events += (0..<3).map { Self.request(tenant: tenant, at: 2 * minute + Int64($0), duration: 7, service: "auth-service") }
            events += [
                Self.request(tenant: other, at: 5, duration: 1), Self.request(tenant: tenant, at: minute, duration: 9, route: "/v1/other"),
                Self.request(tenant: tenant, at: 3 * minute, duration: 1),
            ]
            try await store.insert(events)
            let window = SeriesQuery(
                tenantID: tenant, from: Self.now, to: Self.now.addingTimeInterval(180), stepMilliseconds: minute, service: nil, route: nil)
            #expect(try await store.series(window) == [
                SeriesPoint(step: 0, count: 100, errorCount: 1, p50Ms: 50, p95Ms: 95, p99Ms: 99),
                SeriesPoint(step: 1, count: 1, errorCount: 0, p50Ms: 9, p95Ms: 9, p99Ms: 9),
                SeriesPoint(step: 2, count: 3, errorCount: 0, p50Ms: 7, p95Ms: 7, p99Ms: 7),
            ])
            var filtered = window
            filtered.service = "auth-service"
            #expect(try await store.series(filtered).map(\.step) == [2])
            filtered = window
            filtered.route = "/v1/other"
            #expect(try await store.series(filtered).map(\.count) == [1])
        }
    }

    /// A window of several minutes counts each route's durations over all of them: the most requested
    /// route is the one with the most requests in the window, not in any one minute, and a duration
    /// seen in several minutes weighs in the percentiles by all its requests.
    @Test(arguments: StoreKind.available)
    func aWindowOfSeveralMinutesSumsEachRoutesDurationsOverThem(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let minute: Int64 = 60_000
            // "/a": in each of three minutes, 3 requests of 1 ms and 1 of 8 ms (one 5xx in the last);
            // "/b": 10 requests of 5 ms, all in the first minute.
            var events: [StoredEvent] = []
            for m: Int64 in 0..<3 {
                for i: Int64 in 0..<4 {
                    let (status, duration) = i == 3 ? (m == 2 ? 500 : 200, 8.0) : (200, 1.0)
                    events.append(Self.request(tenant: tenant, at: m * minute + i, status: status, duration: duration, route: "/a"))
                }
            }
            events += (0..<10).map { Self.request(tenant: tenant, at: Int64($0), duration: 5, route: "/b") }
            try await store.insert(events)

            let routeA = RouteStatistics(service: "blog-service", route: "/a", count: 12, errorCount: 1, p50Ms: 1, p95Ms: 8, p99Ms: 8)
            #expect(try await store.routeStatistics(tenantID: tenant, since: Self.now, limit: 1) == [routeA])
            #expect(try await store.routeStatistics(tenantID: tenant, since: Self.now, limit: 10) == [
                routeA, RouteStatistics(service: "blog-service", route: "/b", count: 10, errorCount: 0, p50Ms: 5, p95Ms: 5, p99Ms: 5),
            ])
            // One step of the three minutes: "/a" alone, then every route (22 requests: 9 of 1 ms, 10 of 5
            // ms, 3 of 8 ms).
            let step = SeriesQuery(
                tenantID: tenant, from: Self.now, to: Self.now.addingTimeInterval(180), stepMilliseconds: 3 * minute, service: nil, route: "/a")
            #expect(try await store.series(step) == [SeriesPoint(step: 0, count: 12, errorCount: 1, p50Ms: 1, p95Ms: 8, p99Ms: 8)])
            var all = step
            all.route = nil
            #expect(try await store.series(all) == [SeriesPoint(step: 0, count: 22, errorCount: 1, p50Ms: 5, p95Ms: 8, p99Ms: 8)])
        }
    }

    /// The statistics come from the rollups kept at ingest: each stored request counted once (a batch
    /// sent again under its key is not counted again), its duration to three significant digits, in
    /// whole minutes; retention drops the minutes past the longest window.
    @Test(arguments: StoreKind.available)
    func statisticsCountEachStoredRequestOnceToThreeSignificantDigits(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let durations = [0, 0.4237, 12.34, 12.36, 999, 1234, 86_400_000]
            var events = durations.map { Self.request(tenant: tenant, status: $0 == 1234 ? 502 : 200, duration: $0) }
            events.append(Self.request(tenant: tenant, at: -1, duration: 5))  // the minute before
            events.append(Self.request(tenant: nil, duration: 5))  // no tenant: in no tenant's statistics
            let batch = IngestBatch(key: IngestBatchKey(sender: "blog-service", key: "k"), events: events, receipt: .init(accepted: 9, dropped: 0), receivedAt: Self.now)
            #expect(try await store.insert([batch, batch]) == [nil, IngestReceipt(accepted: 9, dropped: 0)])
            #expect(try await store.insert([batch]) == [IngestReceipt(accepted: 9, dropped: 0)])

            let minute = try #require(try await store.routeStatistics(tenantID: tenant, since: Self.now.addingTimeInterval(59), limit: 10).first)
            #expect(minute.count == 7 && minute.errorCount == 1)
            #expect([minute.p50Ms, minute.p95Ms, minute.p99Ms] == [12.4, 86_400_000, 86_400_000])
            let twoMinutes = try await store.routeStatistics(tenantID: tenant, since: Self.now.addingTimeInterval(-1), limit: 10)
            #expect(twoMinutes.map(\.count) == [8])
            // Rounded: 0.4237 is 0.424, 12.34 and 12.36 are 12.3 and 12.4.
            let small = Self.request(tenant: tenant, at: 60_000, duration: 12.34)
            try await store.insert([small, Self.request(tenant: tenant, at: 60_001, duration: 0.4237), Self.request(tenant: tenant, at: 60_002, duration: 12.36)])
            let next = try #require(try await store.routeStatistics(tenantID: tenant, since: Self.now.addingTimeInterval(60), limit: 10).first)
            #expect([next.p50Ms, next.p95Ms] == [12.3, 12.4])
            let series = try await store.series(SeriesQuery(
                tenantID: tenant, from: Self.now, to: Self.now.addingTimeInterval(120), stepMilliseconds: 60_000, service: nil, route: nil))
            #expect(series.map(\.count) == [7, 3])
            #expect(series.first?.p50Ms == 12.4 && series.last?.p50Ms == 12.3)

            #expect(try await store.deleteRollups(before: Self.now) > 0)  // the minute before
            #expect(try await store.routeStatistics(tenantID: tenant, since: Self.now.addingTimeInterval(-60), limit: 10).map(\.count) == [10])
        }
    }

    /// A rollup's row takes the requests of every commit of its minute: a later commit adds its requests
    /// and errors to the rows of the durations it shares with an earlier one, and makes rows for the rest.
    @Test(arguments: StoreKind.available)
    func aLaterCommitAddsToTheRollupsOfItsMinute(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            try await store.insert([Self.request(tenant: tenant, duration: 5), Self.request(tenant: tenant, status: 500, duration: 7)])
            try await store.insert([
                Self.request(tenant: tenant, at: 1, status: 503, duration: 5), Self.request(tenant: tenant, at: 2, duration: 7),
                Self.request(tenant: tenant, at: 3, duration: 9),
            ])
            let minute = try #require(try await store.routeStatistics(tenantID: tenant, since: Self.now, limit: 10).first)
            #expect(minute.count == 5 && minute.errorCount == 2)
            // Durations 5, 5, 7, 7, 9: the third is the median, the fifth the 95th percentile.
            #expect([minute.p50Ms, minute.p95Ms] == [7, 9])
        }
    }

    /// An upgrade counts the stored requests of the last day into the rollups as ingest does: counted
    /// again from the events, the statistics are the same.
    @Test(arguments: StoreKind.available)
    func theUpgradeCountsTheLastDaysRequestsAsIngestDoes(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let now = Date()
            let events = (0..<300).map { index in
                var event = Self.request(
                    tenant: tenant, status: index % 7 == 0 ? 500 : 200, duration: [0.01234, 0.4237, 3, 12.34, 12.35, 99.95, 1234.5][index % 7] * Double(index % 5 + 1),
                    route: index % 3 == 0 ? nil : "/v1/posts/{id}", path: "/v1/posts/\(index % 4)")
                event.ts = now.addingTimeInterval(-Double(index) * 7)
                return event
            }
            var old = Self.request(tenant: tenant)
            old.ts = now.addingTimeInterval(-30 * 3_600)  // past a day: not counted
            try await store.insert(events + [old])
            let since = now.addingTimeInterval(-86_400)
            let atIngest = try await store.routeStatistics(tenantID: tenant, since: since, limit: 10)
            #expect(atIngest.map(\.count).reduce(0, +) == 300)

            switch store {
            case let sqlite as SQLiteEventStore:
                try await sqlite.database.write { db in
                    try db.execute(sql: "DELETE FROM request_rollups")
                    try RequestRollupSchema.backfill(db, now: now)
                }
            case let postgres as PostgresEventStore:
                try await postgres.database.transaction { connection in
                    _ = try await connection.query("DELETE FROM request_rollups", logger: Logger(label: "test")).collect()
                    _ = try await connection.query(PostgresQuery(unsafeSQL: RequestRollupSchema.postgresBackfill), logger: Logger(label: "test")).collect()
                }
            default:
                Issue.record("a store this test does not know")
            }
            #expect(try await store.routeStatistics(tenantID: tenant, since: since, limit: 10) == atIngest)
        }
    }

    @Test(arguments: StoreKind.available)
    func retentionDeletesWhatArrivedBeforeTheCutoffAndKeepsTheRest(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            func events(_ count: Int, receivedDaysAgo days: Double) -> [StoredEvent] {
                (0..<count).map { _ in Self.request(tenant: nil, receivedDaysAgo: days) }
            }
            try await store.insert(events(2_500, receivedDaysAgo: 20))
            try await store.insert(events(30, receivedDaysAgo: 14.2))
            try await store.insert(events(10, receivedDaysAgo: 13.9))
            try await store.insert(events(5, receivedDaysAgo: 0))
            let retention = EventRetention(
                store: store, days: 14, interval: .seconds(3600), chunkSize: 1_000, pause: .zero, now: { Self.now },
                logger: Logger(label: "retention") { _ in SwiftLogNoOpLogHandler() })
            #expect(try await retention.purge() == 2_530)
            #expect(try await store.count() == 15)
            #expect(try await retention.purge() == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentWritersLoseNothingAndShareNoId(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        for batch in 0..<5 {
                            try await store.insert((0..<40).map { index in Self.request(tenant: tenant, at: Int64(writer * 10_000 + batch * 100 + index)) })
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.count() == 6 * 5 * 40)
            var seen = Set<Int64>()
            var cursor: KeysetCursor?
            repeat {
                let page = try await store.events(matching: EventQuery(tenantID: tenant, type: .request), page: PageRequest(limit: 100, after: cursor))
                for event in page.prefix(100) { seen.insert(try #require(event.id)) }
                cursor = page.count > 100 ? KeysetCursor(date: page[99].ts, id: String(page[99].id!)) : nil
            } while cursor != nil
            #expect(seen.count == 6 * 5 * 40)
        }
    }
}

/// On SQLite, a window's rollups are read in one pass while they name at most the answer's limit of
/// routes, and that pass is given up for the top routes' statement as soon as they name more: what the
/// collector holds stays bounded by the limit, not by a sender's raw paths.
@Suite struct SQLiteRouteStatisticsTests {
    @Test func aPassOverTheWindowIsGivenUpAtItsFirstRouteOverTheLimit() async throws {
        let tenant = UUID()
        let (withinTwo, withinThree) = try await withTemporaryFolder("route-statistics") { folder in
            let database = try openSQLiteDatabase(path: folder + "collector.sqlite")
            try await SQLiteEventStore(database: database).insert((0..<3).map { EventStoreContractTests.request(tenant: tenant, route: "/r\($0)") })
            let window: StatementArguments = [tenant.lowercasedString, RequestRollup.minute(of: EventStoreContractTests.now.millisecondsSince1970)]
            return try await database.read { db in
                try (SQLiteEventStore.routes(db, SQLiteEventStore.windowRollupsSQL, window, atMost: 2),
                     SQLiteEventStore.routes(db, SQLiteEventStore.windowRollupsSQL, window, atMost: 3))
            }
        }
        #expect(withinTwo == nil)
        #expect(withinThree?.keys.map(\.route).sorted() == ["/r0", "/r1", "/r2"])
        #expect(withinThree?.values.map(\.count) == [1, 1, 1])
    }

    /// The statistics and the series are read under the connection's statement time limit: past it,
    /// the read fails with SQLite's interrupt (answered 503), never with the rows read so far.
    @Test func aReadPastTheStatementTimeLimitFailsRatherThanAnswerPartly() async throws {
        let tenant = UUID()
        try await withTemporaryFolder("route-statistics") { folder in
            let path = folder + "collector.sqlite"
            try await SQLiteEventStore(database: try openSQLiteDatabase(path: path)).insert(
                (0..<2_000).map { EventStoreContractTests.request(tenant: tenant, duration: Double($0), route: "/r\($0 % 10)") })
            let limited = SQLiteEventStore(database: try openSQLiteDatabase(path: path, statementTimeout: .zero))
            let interrupted: (any Error) -> Bool = { ($0 as? DatabaseError)?.resultCode == .SQLITE_INTERRUPT }
            await #expect(performing: {
                try await limited.routeStatistics(tenantID: tenant, since: EventStoreContractTests.now, limit: 10)
            }, throws: interrupted)
            await #expect(performing: {
                try await limited.series(SeriesQuery(
                    tenantID: tenant, from: EventStoreContractTests.now, to: EventStoreContractTests.now.addingTimeInterval(60),
                    stepMilliseconds: 60_000, service: nil, route: nil))
            }, throws: interrupted)
        }
    }
}

/// On PostgreSQL, the logs are served by the partitions' indexes and the statistics by the rollups'
/// key (as `EXPLAIN` says), with sequential scans discouraged so that a few test rows do not make a
/// scan look cheaper.
@Suite struct PostgresEventPlanTests {
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func logsAndStatisticsUseTheTenantTimeIndex(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "collector", migrations: CollectorSchema.postgres, poolSize: 1) { database in
            let store = PostgresEventStore(database: database, logger: Logger(label: "test"))
            let tenant = UUID()
            try await store.insert((0..<50).map { EventStoreContractTests.request(tenant: $0 % 2 == 0 ? tenant : UUID(), at: Int64($0)) })
            var query = EventQuery(tenantID: tenant, type: .request)
            query.status = .inClass(2)
            let logs = try PostgresEventStore.eventsQuery(query, page: PageRequest(limit: 20, after: KeysetCursor(timestamp: Int64.max, id: "99")))
            let stats = PostgresEventStore.routeStatisticsQuery(tenantID: tenant, since: EventStoreContractTests.now, limit: 10)
            for (statement, index) in [(logs.query, "tenant_id_type_ts_id_idx"), (stats, "request_rollups_pkey")] {
                let plan = try await database.withConnection { connection in
                    _ = try await connection.query("SET enable_seqscan = off", logger: Logger(label: "test")).collect()
                    var explain = statement
                    explain.sql = "EXPLAIN " + explain.sql
                    return try await connection.rows(explain, logger: Logger(label: "test")).map { try $0.required("QUERY PLAN", as: String.self) }
                }
                #expect(plan.contains { $0.contains(index) }, "\(plan.joined(separator: "\n"))")
                #expect(!plan.contains { $0.contains("Seq Scan") }, "\(plan.joined(separator: "\n"))")
            }
        }
    }
}

/// On PostgreSQL, the text columns the collector's keys and indexes compare are collated `C` (compared
/// by their bytes, as SQLite compares them), on the tables and on partitions made after the migration:
/// on a database of a language's collation, every comparison of an index's descent went through
/// `strcoll` (`CollectorSchema.identifiersByTheirBytes`).
@Suite struct PostgresIdentifierCollationTests {
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func theKeysTextsAreComparedByTheirBytes(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "collector", migrations: CollectorSchema.postgres, poolSize: 1) { database in
            let store = PostgresEventStore(database: database, logger: Logger(label: "test"))
            // Two arrival days: two partitions, both made after the migration.
            try await store.insert([
                EventStoreContractTests.request(tenant: UUID()), EventStoreContractTests.request(tenant: UUID(), receivedDaysAgo: 1),
            ])
            let columns = try await database.withConnection { connection in
                try await connection.rows(
                    """
                    SELECT c.relname AS relation, a.attname AS column, co.collname AS collation
                    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation co ON co.oid = a.attcollation
                    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT a.attisdropped
                      AND ((c.relname, a.attname) IN (
                        ('events', 'type'), ('events', 'request_id'), ('events', 'trace_id'),
                        ('request_rollups', 'service'), ('request_rollups', 'route'),
                        ('ingest_batches', 'sender'), ('ingest_batches', 'key'), ('tenant_ingest_buckets', 'tenant'))
                      OR (c.relname LIKE 'events_d%' AND a.attname IN ('type', 'request_id', 'trace_id')))
                    """,
                    logger: Logger(label: "test")
                ).map { try ($0.required("relation", as: String.self), $0.required("column", as: String.self), $0.required("collation", as: String.self)) }
            }
            #expect(columns.count == 8 + 2 * 3, "\(columns)")
            for (relation, column, collation) in columns {
                #expect(collation == "C", "\(relation).\(column) is collated \(collation)")
            }
        }
    }
}
