import Foundation
import GRDB
import Synchronization

/// Reads that an index bounds to a few rows (a post by its id, a page of a keyset walk), run at once
/// on the calling thread with a connection of their own, instead of through GRDB's async API, which
/// sends each read to a dispatch queue and resumes the request afterwards: two thread switches, which
/// cost more than the read itself (the blog's `GET /v1/posts/{id}`: about 7,100 → 15,000 requests/s
/// on 2 cores, `wrk -t2 -c32`).
///
/// Blocking the caller (an event loop, when the services run their tasks there) is the price, so it is
/// bounded twice over: a read never waits for a connection (when every inline connection is busy, the
/// read goes the async way), and an inline statement that runs past `timeLimit` (20 ms) is interrupted
/// and run again the async way, under the database's own statement limit. A read of unbounded cost (a
/// text search) must use the pool directly.
///
/// Each read is a read-only transaction, as the pool's are: its statements see one snapshot.
public final class InlineReads: Sendable {
    /// How long an inline statement may run before it is moved off the caller's thread.
    public static let timeLimit: Duration = .milliseconds(20)

    private let pool: DatabasePool
    private let maximumConnections: Int
    private let cacheKiB: Int
    private let connections = Mutex(Connections())
    private let moved = Atomic(0)

    /// Reads stopped at `timeLimit` and run again on the pool, since this was made.
    public var readsMovedToThePool: Int { moved.load(ordering: .relaxed) }

    private struct Connections: ~Copyable {
        var idle: [DatabaseQueue] = []
        var opened = 0
    }

    /// `maximumConnections` defaults to the number of cores: as many reads as can run at once.
    public init(_ pool: DatabasePool, maximumConnections: Int = ProcessInfo.processInfo.activeProcessorCount, cacheMiB: Int = 4) {
        self.pool = pool
        self.maximumConnections = max(1, maximumConnections)
        self.cacheKiB = cacheMiB * 1024
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await read(body, inTransaction: true)
    }

    /// A read of one statement: outside an explicit transaction, as SQLite runs a lone statement in a
    /// read transaction of its own (one snapshot all the same). Spares the `BEGIN` and `COMMIT` around
    /// it, which cost a blog post's read by id as much as the statement. A body that runs more than one
    /// statement must use `read`, whose statements share one snapshot.
    public func readOneStatement<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await read(body, inTransaction: false)
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T, inTransaction: Bool) async throws -> T {
        guard let connection = checkOut() else { return try await pool.read(body) }
        let result: Result<T, any Error>
        do {
            result = .success(try Self.readNow(on: connection, inTransaction: inTransaction, body))
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            checkIn(connection)
            moved.add(1, ordering: .relaxed)
            return try await pool.read(body)
        } catch {
            result = .failure(error)
        }
        checkIn(connection)
        return try result.get()
    }

    /// On the calling thread: GRDB's synchronous accesses run a connection's work inline when it is idle.
    private static func readNow<T>(on connection: DatabaseQueue, inTransaction: Bool, _ body: (Database) throws -> T) throws -> T {
        try inTransaction ? connection.read(body) : connection.inDatabase(body)
    }

    private func checkOut() -> DatabaseQueue? {
        let (idle, mayOpen) = connections.withLock { connections -> (DatabaseQueue?, Bool) in
            if let connection = connections.idle.popLast() { return (connection, false) }
            guard connections.opened < maximumConnections else { return (nil, false) }
            connections.opened += 1
            return (nil, true)
        }
        if let idle { return idle }
        guard mayOpen else { return nil }
        do {
            return try open()
        } catch {
            connections.withLock { $0.opened -= 1 }
            return nil
        }
    }

    private func checkIn(_ connection: DatabaseQueue) {
        connections.withLock { $0.idle.append(connection) }
    }

    private func open() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(1)
        configuration.label = "inline reads"
        let cacheKiB = cacheKiB
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            StatementTimeLimit.install(Self.timeLimit, on: db)
        }
        return try DatabaseQueue(path: pool.path, configuration: configuration)
    }
}
