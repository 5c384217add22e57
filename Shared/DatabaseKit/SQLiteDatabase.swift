import Foundation
import GRDB
import ServiceKit

/// Opens a service's SQLite database the way every service wants it: a WAL-mode pool (readers never
/// wait for the writer), `synchronous=NORMAL` (durable at each WAL checkpoint, which `WALCheckpointer`
/// makes every 0.1 s, and no commit lost on a process crash), foreign keys on, a busy timeout, every statement bounded in time (after the
/// migrations, which may take as long as they need), and the service's migrations applied.
public enum SQLiteDatabase {
    /// How long one statement may run before it is interrupted (the contract's "no single request may
    /// hold a database for long").
    public static let defaultStatementTimeLimit: Duration = .seconds(5)

    /// The size of the write-ahead log, in pages, past which a commit checkpoints it on its own thread:
    /// a backstop, as `WALCheckpointer` checkpoints a service's database off the request path long before.
    public static let checkpointBackstopPages = 10_000

    /// Opens or creates the database at `path` (and its folder) and migrates it to the latest schema.
    /// `cacheMiB` is the writer's page cache: SQLite's default (2 MiB) makes a write-heavy database
    /// re-read its index pages from the OS for every transaction. Readers keep `readerCacheMiB`: the pool's
    /// readers serve the long reads (searches, statistics), which scan more than any cache holds, and a
    /// reader's sorts size their memory by its cache (a collector's statistics over 600,000 events grew
    /// its RSS by 230 MiB with 64 MiB caches); short reads are `InlineReads`, with caches of their own.
    public static func open(
        path: String, migrator: DatabaseMigrator, readers: Int = 4, cacheMiB: Int = 16, readerCacheMiB: Int = 2,
        statementTimeLimit: Duration = defaultStatementTimeLimit
    ) throws -> DatabasePool {
        do {
            return try openMigrated(path: path, migrator: migrator, readers: readers, cacheMiB: cacheMiB, readerCacheMiB: readerCacheMiB, statementTimeLimit: statementTimeLimit)
        } catch {
            throw CannotOpen(path: path, reason: error)
        }
    }

    /// A database that could not be opened or migrated, with its path: what a failed start says.
    public struct CannotOpen: Error, CustomStringConvertible {
        public let path: String
        public let reason: any Error
        public var description: String { "cannot open the SQLite database '\(path)' (DATABASE_URL): \(reason)" }
    }

    private static func openMigrated(
        path: String, migrator: DatabaseMigrator, readers: Int, cacheMiB: Int, readerCacheMiB: Int, statementTimeLimit: Duration
    ) throws -> DatabasePool {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try migrate(path: path, migrator: migrator)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.maximumReaderCount = readers
        // Transactions that span awaited steps (`SQLiteTransactions`) open and close on separate accesses.
        configuration.allowsUnsafeTransactions = true
        configuration.prepareDatabase { db in
            let cacheKiB = (db.configuration.readonly ? readerCacheMiB : cacheMiB) * 1024
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -\(cacheKiB); PRAGMA wal_autocheckpoint = \(checkpointBackstopPages)")
            StatementTimeLimit.install(statementTimeLimit, on: db)
        }
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// Migrates the database on a connection of its own, without a time limit.
    private static func migrate(path: String, migrator: DatabaseMigrator) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        try pool.close()
    }

    /// The readiness check of a service on this database: the schema version (how many migrations
    /// were applied), read.
    public static func ping(_ database: any DatabaseReader) async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") ?? 0 }
    }
}

extension DatabaseError {
    /// A `UNIQUE` constraint failure; `column` (`table.column`) narrows it to one index's column.
    public func isUniqueViolation(on column: String? = nil) -> Bool {
        guard extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY else {
            return false
        }
        guard let column else { return true }
        return message?.contains(column) ?? false
    }
}

extension Date {
    /// Milliseconds since the epoch: how the services store times (integers sort and compare exactly).
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
