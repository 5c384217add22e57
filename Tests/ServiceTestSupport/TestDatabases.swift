import DatabaseKit
import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceKit

/// The databases a store's contract suite runs on: the same test code against each implementation.
public enum StoreKind: String, Sendable {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `make test` started one (`TEST_POSTGRES_URL`).
    public static var available: [StoreKind] {
        TestPostgres.location == nil ? [.sqlite] : [.sqlite, .postgres]
    }

}

/// The throwaway PostgreSQL server of `scripts/with-test-postgres.sh`: each test works in a schema of
/// its own, created for it and dropped after it.
public enum TestPostgres {
    /// `TEST_POSTGRES_URL`, when set.
    public static var location: PostgresLocation? {
        ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"].flatMap(PostgresLocation.init)
    }

    /// Whether a missing PostgreSQL must fail the run (`REQUIRE_POSTGRES_TESTS=1`, as CI sets it).
    public static var isRequired: Bool {
        ProcessInfo.processInfo.environment["REQUIRE_POSTGRES_TESTS"] == "1"
    }

    /// Runs `body` with a migrated database of `migrations` in a fresh schema, the pool running.
    public static func withDatabase<Result: Sendable>(
        name: String, migrations: [PostgresMigration], poolSize: Int = 8, statementTimeout: Duration = .seconds(5),
        _ body: @Sendable (PostgreSQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withDatabases(name: name, migrations: migrations, poolSize: poolSize, statementTimeouts: [statementTimeout]) { databases in
            try await body(databases[0])
        }
    }

    /// Runs `body` with one pool a time limit of `statementTimeouts` (in that order), all on one migrated
    /// schema, all running: a test can fill the database under the usual limit and time out on another.
    public static func withDatabases<Result: Sendable>(
        name: String, migrations: [PostgresMigration], poolSize: Int = 8, statementTimeouts: [Duration],
        _ body: @Sendable ([PostgreSQLDatabase]) async throws -> Result
    ) async throws -> Result {
        try await withSchema { location, schema in
            // A minute to open a connection, and so to each access in all (`withDeadline`'s limit is the
            // connection's and the statement's together): with the whole suite on two cores, 20 takes of
            // one quota row waited past a service's 10 s. The statement limits the tests set are the
            // server's own, which they are about.
            let databases = statementTimeouts.map { statementTimeout in
                PostgreSQLDatabase(
                    location, settings: .init(poolSize: poolSize, connectTimeout: .seconds(60), statementTimeout: statementTimeout, schema: schema),
                    name: "\(name) \(schema)", migrations: migrations, logger: Logger(label: "test-postgres"))
            }
            return try await running(databases) {
                for database in databases { try await waitUntilReady(database) }
                return try await body(databases)
            }
        }
    }

    /// Runs `body` with a fresh, empty schema of the test server, dropped afterwards.
    public static func withSchema<Result: Sendable>(_ body: @Sendable (PostgresLocation, String) async throws -> Result) async throws -> Result {
        guard let location else { throw TestPostgresMissing() }
        let schema = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await admin(location, "CREATE SCHEMA \(schema)")
        do {
            let result = try await body(location, schema)
            try await admin(location, "DROP SCHEMA \(schema) CASCADE")
            return result
        } catch {
            try? await admin(location, "DROP SCHEMA \(schema) CASCADE")
            throw error
        }
    }

    /// Runs `body` while `database` runs (its pool, its migrations), then stops it.
    public static func running<Result: Sendable>(_ database: PostgreSQLDatabase, _ body: () async throws -> Result) async throws -> Result {
        try await running([database], body)
    }

    /// Runs `body` while each of `databases` runs, then stops them.
    public static func running<Result: Sendable>(_ databases: [PostgreSQLDatabase], _ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for database in databases { group.addTask { try await database.run() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// A `postgres://` URL to the server: for services started with a `DATABASE_URL`.
    public static func url(database: String? = nil) throws -> String {
        guard let location else { throw TestPostgresMissing() }
        return "postgres://\(location.user)@\(location.host):\(location.port)/\(database ?? location.database)?sslmode=disable"
    }

    /// Creates a database of its own (for a service started with a `DATABASE_URL`); returns its name.
    @discardableResult
    public static func createDatabase(named name: String = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))") async throws -> String {
        guard let location else { throw TestPostgresMissing() }
        try await admin(location, "CREATE DATABASE \(name)")
        return name
    }

    /// Waits until `database` has migrated and answers (60 s at most: a migration takes tens of
    /// milliseconds, but each of its steps waits its turn behind every test of the suite started at once).
    public static func waitUntilReady(_ database: PostgreSQLDatabase) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                _ = try await database.ping()
                return
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// One statement on a connection of its own (schemas and databases are made outside any pool).
    private static func admin(_ location: PostgresLocation, _ sql: String) async throws {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password, database: location.database,
            tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test-postgres-admin"))
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-postgres-admin")).collect()
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A PostgreSQL test asked for with no `TEST_POSTGRES_URL`.
public struct TestPostgresMissing: Error, CustomStringConvertible {
    public var description: String { "TEST_POSTGRES_URL is not set: run the tests with `make test` (scripts/with-test-postgres.sh)" }
}

/// A folder under the temporary directory for a test's files (named after `prefix`; `path` ends in
/// `/`; whoever opens a file there creates it), removed with what is in it when the last reference to
/// it goes: a test's harness holds one, so its SQLite files and keys do not outlive the test, however
/// many times the test starts the service on them.
public final class TemporaryFolder: Sendable {
    public let path: String

    public init(_ prefix: String) {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.lowercased())/"
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with the path of a new folder under the temporary directory (named after `prefix`,
/// ending in `/`), removed once `body` has returned or thrown: a test's SQLite files do not outlive it.
public func withTemporaryFolder<Result>(_ prefix: String, _ body: (String) async throws -> Result) async rethrows -> Result {
    let folder = TemporaryFolder(prefix)
    defer { withExtendedLifetime(folder) {} }
    return try await body(folder.path)
}
