import GRDB
import Synchronization

/// A SQLite database whose transactions may span awaited steps, so that a service's rules run between
/// the statements of one transaction whatever the store (PostgreSQL's transactions are async too).
///
/// GRDB runs a transaction inside one synchronous closure. Here every write of the database instead
/// takes `writer`, an async lock, then runs on GRDB's single writer connection: a write of its own in
/// a transaction of its own, or a transaction's statements one after another between `BEGIN IMMEDIATE`
/// and `COMMIT`, with no other write in between. Reads outside a transaction are `InlineReads` (on the
/// caller's thread, WAL snapshots beside the writer, moved to the pool's readers past 20 ms); reads
/// inside one go to the writer, so that they see its writes.
///
/// A transaction holds every writer of the database until it ends: its body does storage only, never
/// a password hash or a call to another service.
///
/// A transaction's statements run on the caller's thread: whoever holds `writer` is the only one to
/// write, so GRDB's writer connection is idle and its synchronous API runs the statement at once where
/// it is called. The caller's thread is held for the statement's time: a few rows each, bounded by the
/// statement limit. A write outside a transaction is a transaction of its own run on GRDB's writer
/// queue with the others waiting (`writeCombined`), so that no event loop waits for the writer.
public final class SQLiteTransactions: Sendable {
    public let pool: DatabasePool
    let inline: InlineReads
    private let writer = AsyncLock()

    /// `pool` must be opened with `allowsUnsafeTransactions` (`SQLiteDatabase.open` does).
    /// `inlineCacheMiB` is each inline read connection's page cache (`InlineReads`).
    public init(_ pool: DatabasePool, inlineCacheMiB: Int = 4) {
        self.pool = pool
        self.inline = InlineReads(pool, cacheMiB: inlineCacheMiB)
    }

    /// How repositories outside a transaction reach the database: each statement its own transaction.
    public var access: SQLiteAccess { SQLiteAccess(database: self, inTransaction: false) }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    public func transaction<Result: Sendable>(_ body: (SQLiteAccess) async throws -> Result) async throws -> Result {
        try await writer.withLock {
            try writeNow { db in try db.beginTransaction(.immediate) }
            let result: Result
            do {
                result = try await body(SQLiteAccess(database: self, inTransaction: true))
                try writeNow { db in try db.commit() }
            } catch {
                // Synchronous, so never cancelled: a transaction left open would take every later write into it.
                try? writeNow { db in if db.isInsideTransaction { try db.rollback() } }
                throw error
            }
            return result
        }
    }

    /// Most writes one holder of `writer` runs for others before it lets a waiting transaction in.
    public static let maximumCombinedWrites = 64

    /// A write waiting for `writeCombined`'s writer: it runs in its own transaction and answers its caller.
    private struct CombinedWrite: @unchecked Sendable {  // its closure is called once, by the one writer
        let run: (Database) -> Void
    }

    private let combined = Mutex<(waiting: [CombinedWrite], aWriterRuns: Bool)>(([], false))

    /// A write of one transaction of its own, run by whichever task holds the writer for the writes
    /// waiting. Handing the writer from task to task (as `transaction` does) leaves it idle until the
    /// task it was handed to is scheduled on its event loop, behind that loop's other work (a signature,
    /// a request's parsing): under 32 connections of refreshes the auth service was then busy 1.3–1.6 of
    /// its two cores, waiting the rest. Here the task that finds no writer running takes the writer and
    /// runs every waiting write on GRDB's writer queue, at most `maximumCombinedWrites` before letting a
    /// waiting transaction in; each caller is answered once its own transaction has committed. On that
    /// queue rather than an event loop, the writes leave both loops to the requests (+14 % refreshes a
    /// second, median of 8 pairs of `Benchmarks/compare.sh auth-refresh`, against the writes run on the
    /// task's own thread). Never
    /// from inside `transaction`'s body: the write would wait for the writer that transaction holds.
    public func writeCombined<Result: Sendable>(_ updates: @escaping @Sendable (Database) throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            let write = CombinedWrite { db in continuation.resume(with: Swift.Result { try Self.committed(db, updates) }) }
            let startsAWriter = combined.withLock { state in
                state.waiting.append(write)
                defer { state.aWriterRuns = true }
                return !state.aWriterRuns
            }
            if startsAWriter { Task { await self.runCombinedWrites() } }
        }
    }

    /// Takes the writer and runs the waiting writes on GRDB's writer queue until none is left, or hands
    /// on after the most.
    private func runCombinedWrites() async {
        let more = try? await writer.withLock {
            // GRDB's non-throwing form: nothing here can fail but the writes, and each answers its caller.
            await withCheckedContinuation { (turn: CheckedContinuation<Bool, Never>) in
                pool.asyncWriteWithoutTransaction { db in turn.resume(returning: self.runWaitingWrites(db)) }
            }
        }
        // More waited than one turn runs: queue again behind the transactions waiting for the writer.
        // (The lock's body throws nothing; were it to, the waiting writes would still get a writer.)
        if more ?? true { Task { await self.runCombinedWrites() } }
    }

    /// Runs the waiting writes until none is left (false) or the most a turn runs have run (true).
    private func runWaitingWrites(_ db: Database) -> Bool {
        var ran = 0
        while ran < Self.maximumCombinedWrites {
            let writes = combined.withLock { state in
                let taken = Array(state.waiting.prefix(Self.maximumCombinedWrites - ran))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.aWriterRuns = false }
                return taken
            }
            if writes.isEmpty { return false }
            // Each write answers its own caller, with its result or its error: nothing is thrown here.
            writes.forEach { $0.run(db) }
            ran += writes.count
        }
        return true
    }

    /// `updates` in a transaction of its own, committed; rolled back when it throws.
    private static func committed<Result>(_ db: Database, _ updates: (Database) throws -> Result) throws -> Result {
        var result: Result?
        try db.inTransaction(.immediate) {
            result = try updates(db)
            return .commit
        }
        return result!  // set: the transaction committed
    }

    /// On the writer connection, on the calling thread; only while holding `writer`.
    fileprivate func writeNow<Result>(_ updates: (Database) throws -> Result) throws -> Result {
        try pool.writeWithoutTransaction(updates)
    }
}

/// What a SQLite repository reads and writes through: the database, or a transaction in progress.
public struct SQLiteAccess: Sendable {
    let database: SQLiteTransactions
    let inTransaction: Bool

    /// Reads committed data, or the transaction's own view of it.
    public func read<Result: Sendable>(_ body: @escaping @Sendable (Database) throws -> Result) async throws -> Result {
        inTransaction ? try database.writeNow(body) : try await database.inline.read(body)
    }

    /// Writes, in a transaction of its own or as a step of the one in progress.
    public func write<Result: Sendable>(_ updates: @escaping @Sendable (Database) throws -> Result) async throws -> Result {
        inTransaction ? try database.writeNow(updates) : try await database.writeCombined(updates)
    }
}

/// A lock for async code, handed to waiters in the order they asked.
final class AsyncLock: Sendable {
    private struct State {
        var isHeld = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func withLock<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state in
                if state.isHeld {
                    state.waiters.append(continuation)
                    return false
                }
                state.isHeld = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.isHeld = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
