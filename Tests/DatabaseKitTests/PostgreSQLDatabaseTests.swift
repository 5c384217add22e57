import Foundation
import Logging
import NIOPosix
import PostgresNIO
import ServiceKit
import ServiceTestSupport
import Testing

@testable import DatabaseKit

/// The PostgreSQL plumbing every service shares: migrations, readiness, time limits, errors.
@Suite struct PostgreSQLDatabaseTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let migrations = [
        PostgresMigration(1, "notes", ["CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"]),
        PostgresMigration(2, "notes.author", ["ALTER TABLE notes ADD COLUMN author TEXT", "CREATE INDEX notes_by_author ON notes (author)"]),
    ]

    static func database(_ location: PostgresLocation, schema: String, migrations: [PostgresMigration] = migrations, statementTimeout: Duration = .seconds(5)) -> PostgreSQLDatabase {
        PostgreSQLDatabase(
            location, settings: .init(poolSize: 2, connectTimeout: .seconds(2), statementTimeout: statementTimeout, schema: schema),
            name: "notes", migrations: migrations, logger: logger)
    }

    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func replicasStartingTogetherMigrateOnce(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let replicas = (0..<4).map { _ in Self.database(location, schema: schema) }
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for replica in replicas {
                    group.addTask {
                        try await TestPostgres.running(replica) {
                            try await TestPostgres.waitUntilReady(replica)
                            return try await replica.ping()
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(versions == [2, 2, 2, 2])
            let reader = Self.database(location, schema: schema)  // a client runs once
            let applied = try await TestPostgres.running(reader) {
                try await TestPostgres.waitUntilReady(reader)
                return try await reader.withConnection { connection in
                    try await connection.rows("SELECT version FROM schema_migrations ORDER BY version", logger: Self.logger)
                        .map { try $0.required("version", as: Int.self) }
                }
            }
            #expect(applied == [1, 2])
        }
    }

    /// Two services on one database keep their own versions (a shared `schema_migrations` once made
    /// the second think it had migrated).
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func servicesSharingADatabaseEachMigrate(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let notes = Self.database(location, schema: schema)
            let tags = PostgreSQLDatabase(
                location, settings: .init(poolSize: 1, schema: schema), name: "tags",
                migrations: [PostgresMigration(1, "tags", ["CREATE TABLE tags (name TEXT PRIMARY KEY)"])], logger: Self.logger)
            try await TestPostgres.running(notes) {
                try await TestPostgres.running(tags) {
                    try await TestPostgres.waitUntilReady(notes)
                    try await TestPostgres.waitUntilReady(tags)
                    #expect(try await notes.ping() == 2)
                    #expect(try await tags.ping() == 1)
                    let inserted = try await tags.withConnection { connection in
                        try await connection.run("INSERT INTO tags (name) VALUES ('swift') RETURNING name", logger: Self.logger)
                    }
                    #expect(inserted == 1)
                }
            }
        }
    }

    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aSchemaNewerThanTheBuildIsNeverReady(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let newer = Self.database(location, schema: schema)
            try await TestPostgres.running(newer) { try await TestPostgres.waitUntilReady(newer) }
            let older = Self.database(location, schema: schema, migrations: [Self.migrations[0]])
            try await TestPostgres.running(older) {
                try await Task.sleep(for: .milliseconds(300))
                await #expect(throws: DatabaseUnavailable.self) { try await older.ping() }
                await #expect(throws: DatabaseUnavailable.self) { try await older.withConnection { _ in } }
            }
        }
    }

    /// An upgrade whose statements are each within the statement time limit but together take longer
    /// than one access may (its connection's and one statement's limits: 3 s here) is applied. Cut at
    /// one access's limit, it was rolled back and tried again every second, and the service never
    /// became ready.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func anUpgradeLongerThanOneAccessIsApplied(kind: StoreKind) async throws {
        let slowStep = "SELECT pg_sleep(0.8)"
        let upgrade = PostgresMigration(3, "notes.slow", Array(repeating: slowStep, count: 5) + ["ALTER TABLE notes ADD COLUMN slow TEXT"])
        try await TestPostgres.withSchema { location, schema in
            let database = Self.database(location, schema: schema, migrations: Self.migrations + [upgrade], statementTimeout: .seconds(1))
            try await TestPostgres.running(database) {
                try await TestPostgres.waitUntilReady(database)
                #expect(try await database.ping() == 3)
            }
        }
    }

    /// A migration has no limit of its own length, but a stop ends it at once: here one that lifts the
    /// statement limit and sleeps for 20 s. Its connection is closed and the run ends (the server ends
    /// the sleep, and rolls the migration back, only when the sleep is over: the service's name is
    /// the test's own, so that its migration lock, held until then, is no other test's).
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aStopEndsAMigrationUnderWay(kind: StoreKind) async throws {
        let endless = PostgresMigration(1, "endless", ["SET LOCAL statement_timeout = 0", "SELECT pg_sleep(20)"])
        try await TestPostgres.withSchema { location, schema in
            let database = PostgreSQLDatabase(
                location, settings: .init(poolSize: 2, connectTimeout: .seconds(2), schema: schema), name: "endless-\(UUID())",
                migrations: [endless], logger: Self.logger)
            let run = Task { try await database.run() }
            try await Task.sleep(for: .seconds(1))
            await #expect(throws: DatabaseUnavailable.self) { try await database.ping() }  // not ready meanwhile
            run.cancel()
            let ended = FirstAnswer<Bool>()
            Task {
                _ = try? await run.value
                ended.give(.success(true))
            }
            Task {
                try? await Task.sleep(for: .seconds(15))
                ended.give(.success(false))
            }
            #expect(try await ended.value, "the run did not end within 15 s of its stop")
        }
    }

    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aStatementOverTheTimeLimitIsStoppedAndAnswers503(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let database = Self.database(location, schema: schema, statementTimeout: .milliseconds(100))
            try await TestPostgres.running(database) {
                try await TestPostgres.waitUntilReady(database)
                do {
                    try await database.withConnection { connection in
                        _ = try await connection.query("SELECT pg_sleep(2)", logger: Self.logger).collect()
                    }
                    Issue.record("the statement was not stopped")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "57014")  // query_canceled
                    #expect(error.appError?.code == .unavailable)
                }
                // The connection is usable again at once.
                #expect(try await database.ping() == 2)
            }
        }
    }

    /// A statement that gets no answer within the limit (the server's own limit lifted for it: as far as
    /// the service can tell, a server that stopped answering) is answered 503 at the limit, while it
    /// still runs; its connection is closed, so that a service's pool of one connection, kept open,
    /// opens another and serves the next.
    ///
    /// A pool that opens its connections as needed (the tests' others) would not serve it: postgres-nio
    /// 1.33's pool opens a connection in place of a closed one only below its minimum, so a request that
    /// waited for the closed one waits on (to its own limit) until another request comes.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aStatementWithNoAnswerIsUnavailableAtTheLimitAndItsConnectionClosed(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let database = PostgreSQLDatabase(
                location,
                settings: .init(
                    poolSize: 1, connectTimeout: .seconds(2), statementTimeout: .seconds(3), schema: schema, keepsEveryConnectionOpen: true),
                name: "notes", migrations: Self.migrations, logger: Self.logger)
            let observer = Self.database(location, schema: schema)
            let sleeping = "SELECT pg_sleep(120), '\(schema)'"
            try await TestPostgres.running([database, observer]) {
                try await TestPostgres.waitUntilReady(database)
                try await TestPostgres.waitUntilReady(observer)
                await #expect(throws: DatabaseUnavailable.self) {
                    try await database.withConnection { connection in
                        _ = try await connection.query("SET statement_timeout = 0", logger: Self.logger).collect()
                        _ = try await connection.query(PostgresQuery(unsafeSQL: sleeping), logger: Self.logger).collect()
                    }
                }
                #expect(try await database.ping() == 2)
                let stillRunning = try await observer.withConnection { connection in
                    try await connection.rows(
                        PostgresQuery(unsafeSQL: "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query = '\(sleeping.replacingOccurrences(of: "'", with: "''"))'"),
                        logger: Self.logger
                    ).map { try $0.required("pid", as: Int32.self) }
                }
                #expect(stillRunning.count == 1, "the caller was answered while its statement still ran")
                for pid in stillRunning {
                    _ = try await observer.withConnection { connection in
                        try await connection.query("SELECT pg_terminate_backend(\(pid))", logger: Self.logger).collect()
                    }
                }
            }
        }
    }

    /// A service's pool holds its `poolSize` connections open from the start (no timer runs each time
    /// one goes back to the pool), named after the service in `pg_stat_activity`; the tests' pools
    /// open theirs as they need them (a statement at a time needs one).
    /// The connections of the pool named `name`, asked on one of `database`'s.
    static func connections(named name: String, asking database: PostgreSQLDatabase) async throws -> Int {
        try await database.withConnection { connection in
            try await connection.query("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = \(name)", logger: Self.logger)
                .collect().first!.decode(Int.self)
        }
    }

    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aServicesPoolKeepsEveryConnectionOpen(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let name = "kept \(schema)"
            let kept = PostgreSQLDatabase(
                location, settings: .init(poolSize: 3, schema: schema, keepsEveryConnectionOpen: true), name: name,
                migrations: Self.migrations, logger: Self.logger)
            try await TestPostgres.running(kept) {
                try await TestPostgres.waitUntilReady(kept)
                var open = 0
                for _ in 0..<250 where open < 3 {  // the pool opens them beside the first
                    open = try await Self.connections(named: name, asking: kept)
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(open == 3)
            }
        }
        try await TestPostgres.withSchema { location, schema in
            let name = "lazy \(schema)"
            let lazy = PostgreSQLDatabase(
                location, settings: .init(poolSize: 3, schema: schema), name: name, migrations: Self.migrations, logger: Self.logger)
            try await TestPostgres.running(lazy) {
                try await TestPostgres.waitUntilReady(lazy)
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await Self.connections(named: name, asking: lazy) == 1)  // one at a time was asked for
            }
        }
    }

    /// The pool is split over the event loops (`EventLoopPools`): each share's connections are on its loop.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aPoolsSharesHaveTheirConnectionsOnTheirLoops(kind: StoreKind) async throws {
        try await TestPostgres.withSchema { location, schema in
            let database = PostgreSQLDatabase(
                location, settings: .init(poolSize: 4, schema: schema, keepsEveryConnectionOpen: true), name: "split \(schema)",
                migrations: Self.migrations, logger: Self.logger)
            try await TestPostgres.running(database) {
                try await TestPostgres.waitUntilReady(database)
                let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator()).count
                #expect(database.pools.shares.count == (loops > 1 ? min(loops, 4) : 1))
                #expect(database.pools.shares.map(\.size).reduce(0, +) == 4)
                for share in database.pools.shares where share.loop != nil {
                    let on = try await share.client.withConnection { connection in ObjectIdentifier(connection.eventLoop) }
                    #expect(on == share.loop)
                }
            }
        }
    }

    /// And stopping it returns: a pool still trying to reach the server once hung its `run()` for ever
    /// (1 run in 3 of the whole suite), which would have kept a service from exiting on SIGTERM.
    @Test func aServerThatIsNotThereAnswersUnavailableAndStopsWhenAsked() async throws {
        let nobody = PostgresLocation(host: "127.0.0.1", port: freeLoopbackPort(), user: "saas", password: nil, database: "none", tls: .disable)
        let database = PostgreSQLDatabase(
            nobody, settings: .init(poolSize: 1, connectTimeout: .milliseconds(200), statementTimeout: .milliseconds(100)),
            name: "nowhere", migrations: Self.migrations, logger: Self.logger)
        try await TestPostgres.running(database) {
            try await Task.sleep(for: .milliseconds(300))
            await #expect(throws: DatabaseUnavailable.self) { try await database.ping() }
            do {
                try await database.withConnection { _ in }
                Issue.record("a request got a connection to nothing")
            } catch let error as DatabaseUnavailable {
                #expect(error.appError?.code == .unavailable)
            }
        }
    }

    @Test func postgresURLsWithBadPartsAreNotLocations() {
        #expect(PostgresLocation("postgres://saas@db:70000/x") == nil)
        #expect(PostgresLocation("postgres://saas@db/x\u{0}y") == nil)
    }
}
