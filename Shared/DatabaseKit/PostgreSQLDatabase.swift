import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceKit
import ServiceLifecycle
import Synchronization

/// A forward-only step of a service's PostgreSQL schema: statements run in one transaction, recorded
/// under `version` in `schema_migrations`. A published migration is never edited; a change is a new one.
public struct PostgresMigration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(_ version: Int, _ name: String, _ statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// A service's PostgreSQL database (`DATABASE_URL=postgres://…`): postgres-nio's clients and their pool of
/// up to `DATABASE_POOL_SIZE` connections (split over the event loops: `EventLoopPools`), run as a
/// `Service` of the application.
///
/// The service starts whether PostgreSQL answers or not. Once it does, the service's migrations are
/// applied under an advisory lock (replicas starting together take turns; the first migrates, the
/// others find nothing to do), and from then on the database is ready. Until then, and whenever a
/// connection cannot be had within `DATABASE_CONNECT_TIMEOUT`, `/readyz` and the requests that need
/// the database answer 503 `unavailable`: no crash, no request waiting without end.
public final class PostgreSQLDatabase: Service, Sendable {
    public struct Settings: Sendable {
        public var poolSize: Int
        public var connectTimeout: Duration
        public var statementTimeout: Duration
        /// The schema to work in (`search_path`), for tests that give each case a schema of its own.
        public var schema: String?
        /// How long to keep trying to reach PostgreSQL at start before giving up (`run()` throws); zero: for ever.
        public var startupTimeout: Duration
        /// Whether the pool keeps all its `poolSize` connections open, without keep-alive queries (a
        /// service's pool), or opens them as they are needed and closes them after a minute idle
        /// (postgres-nio's defaults; the tests' many small pools).
        ///
        /// postgres-nio starts a keep-alive timer, and an idle timer for a connection above the
        /// minimum, each time a connection goes back to the pool, and cancels them when it is leased
        /// again. Each timer is a `Task.sleep`, and a cancelled one keeps its memory until its
        /// deadline (swiftlang/swift#60441): 30 and 60 s of every statement's timers, about 1 KiB a
        /// statement. The blog answering `/readyz` (one `SELECT 1`) grew from 46 to 201 MiB in 30 s
        /// of load, and kept growing; with every connection kept open and no keep-alive it stayed at
        /// 47 MiB, and answered 30 % more. A connection the server closes is seen closed at once
        /// (and opened again); one that a network drops silently is closed when its statement gets no
        /// answer in time (503). A pool that opens its connections as needed opens none in place of a
        /// closed one (postgres-nio 1.33 does so only below the minimum): a request that was waiting
        /// for a connection then waits to its limit unless another comes.
        public var keepsEveryConnectionOpen: Bool

        public init(
            poolSize: Int = 10, connectTimeout: Duration = .seconds(5), statementTimeout: Duration = .seconds(5), schema: String? = nil,
            startupTimeout: Duration = .zero, keepsEveryConnectionOpen: Bool = false
        ) {
            self.poolSize = poolSize
            self.connectTimeout = connectTimeout
            self.statementTimeout = statementTimeout
            self.schema = schema
            self.startupTimeout = startupTimeout
            self.keepsEveryConnectionOpen = keepsEveryConnectionOpen
        }

        /// A service's pool: `DATABASE_POOL_SIZE` connections kept open.
        public init(_ configuration: ServiceConfiguration) {
            self.init(
                poolSize: configuration.databasePoolSize, connectTimeout: configuration.databaseConnectTimeout,
                statementTimeout: configuration.statementTimeout, startupTimeout: configuration.databaseStartupTimeout,
                keepsEveryConnectionOpen: true)
        }
    }

    private enum State {
        case starting
        case migrated(version: Int)
        case failed(String)
    }

    /// postgres-nio's clients: the pool, split over the event loops.
    let pools: EventLoopPools
    private let name: String
    private let migrations: [PostgresMigration]
    private let settings: Settings
    private let state = Mutex(State.starting)
    private let logger: Logger

    /// `name` names the service's schema: its versions in `schema_migrations`, its advisory lock, its log lines.
    public init(_ location: PostgresLocation, settings: Settings, name: String, migrations: [PostgresMigration], logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: Self.tls(location.tls))
        configuration.options.connectTimeout = settings.connectTimeout
        if settings.keepsEveryConnectionOpen {
            configuration.options.keepAliveBehavior = nil
        }
        // `application_name`: whose connections these are, in `pg_stat_activity`.
        var parameters = [("statement_timeout", "\(Self.milliseconds(settings.statementTimeout))"), ("application_name", name)]
        if let schema = settings.schema { parameters.append(("search_path", schema)) }
        configuration.options.additionalStartupParameters = parameters
        var backgroundLogger = logger
        backgroundLogger[metadataKey: "database"] = "\(location)"
        self.pools = EventLoopPools(
            configuration, size: settings.poolSize, keepsEveryConnectionOpen: settings.keepsEveryConnectionOpen,
            loops: Array(MultiThreadedEventLoopGroup.singleton.makeIterator()), logger: backgroundLogger)
        self.name = name
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.settings = settings
        self.logger = logger
    }

    /// Runs the pool, and migrates once PostgreSQL answers; returns at graceful shutdown (or cancellation).
    /// Throws `DatabaseUnavailable` when PostgreSQL has not answered within `startupTimeout` of the start:
    /// the application stops and the process exits 1, saying why (an orchestrator's restart shows it).
    ///
    /// The pool runs in a task of its own, stopped only once this service stops (it is the first service
    /// of an application, so it stops last, after the server), and waited for at most
    /// `poolShutdownLimit`: a pool that was trying to reach an absent server may never finish closing
    /// (seen with postgres-nio 1.33), and it must not keep the process from exiting.
    public func run() async throws {
        let pool = Task.detached { [pools] in await pools.run() }
        let started = ContinuousClock.now
        var gaveUp: String?
        while gaveUp == nil, !Task.isShuttingDownGracefully, !Task.isCancelled {
            if case .starting = state.withLock({ $0 }) {
                do {
                    let version = try await cancelWhenGracefulShutdown {
                        try await self.answersOneAccess()
                        return try await untilCancelled { try await self.migrate() }
                    }
                    state.withLock { $0 = .migrated(version: version) }
                    logger.info("PostgreSQL schema ready", metadata: ["schema": "\(name)", "version": "\(version)"])
                } catch is CancellationError {
                } catch {
                    if settings.startupTimeout > .zero, ContinuousClock.now - started >= settings.startupTimeout {
                        gaveUp = String(reflecting: error)
                    } else {
                        logger.warning("PostgreSQL not ready; trying again", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
            }
            if gaveUp == nil { try? await sleepUnlessShuttingDown(for: .seconds(1)) }
        }
        pool.cancel()
        if await !finishes(pool, within: Self.poolShutdownLimit) {
            logger.warning("PostgreSQL pool did not close in time; leaving it", metadata: ["schema": "\(name)"])
        }
        if let gaveUp {
            throw DatabaseUnavailable(reason: "PostgreSQL did not answer within DATABASE_STARTUP_TIMEOUT (\(settings.startupTimeout)): \(gaveUp)")
        }
    }

    /// How long a stopping service waits for its pool to close its connections.
    static let poolShutdownLimit: Duration = .seconds(2)

    /// Whether `task` ends within `limit` (it is left running if not).
    private func finishes(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
        let answer = FirstAnswer<Bool>()
        Task.detached {
            await task.value
            answer.give(.success(true))
        }
        Task.detached {
            try? await Task.sleep(for: limit)
            answer.give(.success(false))
        }
        return (try? await answer.value) ?? false
    }

    /// The schema version, once PostgreSQL answers a trivial query (`/readyz`); throws otherwise.
    public func ping() async throws -> Int {
        let version = try migratedVersion()
        try await answersOneAccess()
        return version
    }

    /// Runs `body` on a connection of the pool; 503 when none can be had in time, or when it has not
    /// answered in time (its connection is then closed: `EventLoopPools.withConnection`).
    ///
    /// The connection is one of the share of the pool on the caller's event loop, so that the statement
    /// is written, answered and resumed on one thread; with `turn`, one of the share whose turn it is
    /// (the shares taking turns round and round), so that statements whose answers are large are read
    /// on every loop rather than on their callers'.
    public func withConnection<Result: Sendable>(
        takingTurn turn: UInt? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        _ = try migratedVersion()
        return try await withDeadline(settings.connectTimeout + settings.statementTimeout) {
            try await self.pools.withConnection(takingTurn: turn) { connection in try await body(connection) }
        }
    }

    /// Runs `body` in a transaction, committed when it returns and rolled back when it throws; the
    /// error `body` threw is rethrown as it was (postgres-nio's own `withTransaction` wraps it).
    public func transaction<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withConnection { [logger] connection in
            _ = try await connection.query("BEGIN", logger: logger).collect()
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                // A connection whose rollback fails is closed by the pool's next use of it; the error is the body's.
                _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                throw error
            }
            _ = try await connection.query("COMMIT", logger: logger).collect()
            return result
        }
    }

    // MARK: Parts

    private func migratedVersion() throws -> Int {
        switch state.withLock({ $0 }) {
        case .migrated(let version): return version
        case .starting: throw DatabaseUnavailable(reason: "PostgreSQL has not answered yet")
        case .failed(let reason): throw DatabaseUnavailable(reason: reason)
        }
    }

    /// A `SELECT 1` within one access's limit (connection and statement): what each start-up attempt
    /// asks before it migrates, so that a server that is not there or never answers fails the attempt
    /// in time (and `DATABASE_STARTUP_TIMEOUT` counts the attempts).
    private func answersOneAccess() async throws {
        try await withDeadline(settings.connectTimeout + settings.statementTimeout) {
            try await self.pools.withConnection { connection in _ = try await connection.query("SELECT 1", logger: self.logger).collect() }
        }
    }

    /// Applies what is missing of `migrations` under the schema's advisory lock; returns the version.
    ///
    /// Once the server has answered (`answersOneAccess`), it runs to its end while the server answers,
    /// however long: each statement has the statement time limit, unless a migration lifts it (schema
    /// version 6's rebuild of the collector's indexes), and a stop ends it (`untilCancelled` answers the
    /// stop at once, `EventLoopPools.withConnection` closes its connection, and the server rolls it
    /// back once it sees the connection gone, at the latest when its statement ends). It has no
    /// limit of one access's length: an upgrade of several slow statements, or of one the limit is
    /// lifted for, was cut short by it, rolled back and begun again every second, and the service
    /// never became ready. Meanwhile the service answers 503 at once (`migratedVersion`).
    private func migrate() async throws -> Int {
        try await pools.withConnection { connection in
            let lockName = "\(self.name) schema"
            _ = try await connection.query("SELECT pg_advisory_lock(hashtext(\(lockName)))", logger: self.logger).collect()
            do {
                let version = try await self.applyMissing(on: connection)
                _ = try await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockName)))", logger: self.logger).collect()
                return version
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockName)))", logger: self.logger).collect()
                throw error
            }
        }
    }

    private func applyMissing(on connection: PostgresConnection) async throws -> Int {
        // Versions are kept per service: services that share a database (their tables do not collide)
        // each keep their own.
        _ = try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                service TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (service, version))
            """, logger: logger).collect()
        var applied = 0
        let versions = try await connection.query(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE service = \(name)", logger: logger)
        for try await version in versions.decode(Int.self) {
            applied = version
        }
        if let newest = migrations.last?.version, applied > newest {
            throw DatabaseUnavailable(reason: "the database's schema (version \(applied)) is newer than this build knows (\(newest))")
        }
        for migration in migrations where migration.version > applied {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger).collect()
                }
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (service, version, name) VALUES (\(self.name), \(migration.version), \(migration.name))",
                    logger: self.logger
                ).collect()
            }
            logger.info("Migrated", metadata: ["schema": "\(name)", "version": "\(migration.version)", "migration": "\(migration.name)"])
            applied = migration.version
        }
        return applied
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// The database cannot be reached or is not ready: 503 `unavailable`, with the reason in the log only.
public struct DatabaseUnavailable: Error, CustomStringConvertible, ContractErrorConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "database unavailable: \(reason)" }

    public var appError: AppError? {
        AppError.unavailable(retryAfterSeconds: 1, message: "The database is unavailable; try again shortly")
    }
}

extension AppError {
    /// A statement the database could not run for now (unavailable, overloaded, over its time limit).
    static let databaseUnavailable = AppError.unavailable(
        retryAfterSeconds: 1, message: "The database is unavailable or the query took too long; try again")
}

extension PSQLError: ContractErrorConvertible {
    /// A server or connection error that says the database is unavailable or overloaded (a statement over
    /// its time limit, no connection, too many connections, shutting down): 503. Others stay internal.
    public var appError: AppError? {
        switch code {
        case .server: Self.saysUnavailable(sqlState: serverInfo?[.sqlState]) ? .databaseUnavailable : nil
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
            .databaseUnavailable
        default: nil
        }
    }

    /// Whether a server error's SQLSTATE says the database is unavailable or overloaded: 57014
    /// query_canceled (statement_timeout); class 08 connection, 53 resources, 57 operator intervention.
    static func saysUnavailable(sqlState: String?) -> Bool {
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57")
    }

    /// A unique or primary-key violation (SQLSTATE 23505), of `constraint` when given.
    public func isUniqueViolation(constraint: String? = nil) -> Bool {
        guard code == .server, serverInfo?[.sqlState] == "23505" else { return false }
        guard let constraint else { return true }
        return serverInfo?[.constraintName] == constraint
    }
}

/// Reading the values the services store in PostgreSQL, as `Row` does for SQLite: each throws
/// `UnreadableRow` for a missing column or a value it cannot read.
extension PostgresRandomAccessRow {
    public func required<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        guard contains(column) else { throw UnreadableRow(column: column, problem: "is missing") }
        do {
            return try self[column].decode(Value.self)
        } catch {
            throw UnreadableRow(column: column, problem: "is not a \(Value.self)")
        }
    }

    public func optional<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value? {
        guard contains(column) else { throw UnreadableRow(column: column, problem: "is missing") }
        return self[column].bytes == nil ? nil : try required(column, as: Value.self)
    }

    /// A time stored as milliseconds since the epoch (`BIGINT`, as in SQLite).
    public func date(_ column: String) throws -> Date {
        Date(millisecondsSince1970: try required(column, as: Int64.self))
    }

    public func optionalDate(_ column: String) throws -> Date? {
        try optional(column, as: Int64.self).map(Date.init(millisecondsSince1970:))
    }

    /// A case of an enumeration stored as its raw text.
    public func enumeration<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        try UnreadableRow.enumeration(try required(column, as: String.self), column: column)
    }
}

extension PostgresConnection {
    /// The rows of `query`, handed over together once the last has come.
    ///
    /// Through postgres-nio's future of the whole result rather than its row sequence, which hands rows
    /// over one `await` at a time: about 5 µs of the service's CPU a row (a page of 20 posts read on
    /// PostgreSQL cost the blog 424 → 311 and 386 → 292 µs read the one way and the other, 2026-12-06).
    /// A statement's result is bounded by the statement itself (a `LIMIT`, a row a route or a step).
    public func allRows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await result.get().rows
    }

    /// The rows of `query`, each readable by column name.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await allRows(query, logger: logger).map { $0.makeRandomAccess() }
    }

    /// Runs `query`, reading and dropping what it returns; the count of rows it returned (a write with
    /// `RETURNING` counts the rows it changed).
    @discardableResult
    public func run(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        try await allRows(query, logger: logger).count
    }
}

/// A statement put together a piece at a time (optional filters, optional assignments), each value
/// bound as a parameter (`$1`, `$2`, …) where it is placed: never spliced into the SQL.
public struct PostgresStatement: Sendable {
    private var sql: String
    private var binds = PostgresBindings()
    private var count = 0

    public init(_ sql: String) {
        self.sql = sql
    }

    /// Adds SQL text (no values in it).
    public mutating func append(_ text: String) {
        sql += text
    }

    /// Binds `value` and returns its placeholder, to put in the next `append`.
    public mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        binds.append(value)
        count += 1
        return "$\(count)"
    }

    public var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

extension KeysetCursor {
    /// A cursor before the first row of a table keyed by UUIDs, newest first (the latest time, the
    /// greatest UUID): the first page's, for a statement whose keyset condition is always there.
    public static let top = KeysetCursor(timestamp: .max, id: "ffffffff-ffff-ffff-ffff-ffffffffffff")

    /// The cursor's id as the UUID it must be in a table keyed by UUIDs; a 400 naming `cursor` when it is not.
    public func uuid() throws -> UUID {
        guard let id = UUID(uuidString: id) else {
            throw AppError.validationFailed([FieldError(field: "cursor", message: "is not a cursor this service gave out")])
        }
        return id
    }
}

/// What a PostgreSQL repository runs its statements on: the pool (each call on a connection of its own,
/// committed on its own) or the connection of a transaction in progress.
public enum PostgresAccess: Sendable {
    case pool(PostgreSQLDatabase)
    case transaction(PostgresConnection)

    /// Runs `body` on a connection of the pool, or on the transaction's.
    public func withConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        switch self {
        case .pool(let database): try await database.withConnection(body)
        case .transaction(let connection): try await body(connection)
        }
    }

    /// The rows of `query`, each readable by column name.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await withConnection { connection in try await connection.rows(query, logger: logger) }
    }

    /// Runs `query`; the count of rows it returned (a write with `RETURNING` counts the rows it changed).
    @discardableResult
    public func run(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        try await rows(query, logger: logger).count
    }
}

extension PostgresError: ContractErrorConvertible {
    /// postgres-nio's older errors (`PostgresConnection.allRows(_:logger:reading:)`), as `PSQLError`'s:
    /// 503 for a server error that says the database is unavailable or overloaded, and for a closed
    /// connection; others stay internal.
    public var appError: AppError? {
        switch self {
        case .server(let error): PSQLError.saysUnavailable(sqlState: error.fields[.sqlState]) ? .databaseUnavailable : nil
        case .connectionClosed: .databaseUnavailable
        case .protocol: nil
        }
    }
}
