import GRDB
import GRDBSQLite
import Logging
import ServiceKit
import ServiceLifecycle

/// The database a service opened for its `DATABASE_URL`: SQLite in a file, migrated before the service
/// starts; or PostgreSQL, a pool that runs as a service of the application and migrates once it
/// answers. Each service picks its stores by the case, in one place.
public enum ServiceDatabase: Sendable {
    case sqlite(DatabasePool)
    case postgres(PostgreSQLDatabase)

    /// Opens the database of `configuration.database` with the service's schema for each store.
    public init(
        _ configuration: ServiceConfiguration, name: String, sqlite migrator: DatabaseMigrator, postgres migrations: [PostgresMigration],
        sqliteCacheMiB: Int = 16, logger: Logger
    ) throws {
        switch configuration.database {
        case .sqlite(let path):
            self = .sqlite(
                try SQLiteDatabase.open(path: path, migrator: migrator, cacheMiB: sqliteCacheMiB, statementTimeLimit: configuration.statementTimeout))
        case .postgres(let location):
            self = .postgres(
                PostgreSQLDatabase(location, settings: PostgreSQLDatabase.Settings(configuration), name: name, migrations: migrations, logger: logger))
        }
    }

    /// The readiness check: the schema version once the database answers.
    public var readiness: ReadinessCheck {
        switch self {
        case .sqlite(let pool): { try await SQLiteDatabase.ping(pool) }
        case .postgres(let database): { try await database.ping() }
        }
    }

    /// Reports SQLite's memory at each scrape: `sqlite_memory_used_bytes` (its page caches and
    /// statements, bounded by the caches' sizes) and `sqlite_memory_highwater_bytes`. A service's
    /// memory grows with these while its caches fill, which is not a leak.
    public func reportMemory(to metrics: ServiceMetrics) {
        guard case .sqlite = self else { return }
        let used = metrics.registry.makeGauge(descriptor: .named("sqlite_memory_used_bytes"), labels: [])
        let highwater = metrics.registry.makeGauge(descriptor: .named("sqlite_memory_highwater_bytes"), labels: [])
        metrics.beforeEachScrape {
            used.set(Double(sqlite3_memory_used()))
            highwater.set(Double(sqlite3_memory_highwater(0)))
        }
    }

    /// What must run beside the server: SQLite's checkpoints, or PostgreSQL's pool (first, so that it
    /// stops last).
    public func services(logger: Logger) -> [any Service] {
        switch self {
        case .sqlite(let pool): [WALCheckpointer(path: pool.path, logger: logger)]
        case .postgres(let database): [database]
        }
    }
}
