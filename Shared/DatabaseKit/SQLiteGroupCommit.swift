import GRDB
import Synchronization

/// Group commit for a write that many requests make at once, each of one item (the blog's new posts):
/// the items that arrive while a transaction commits are written together in the next one, so that
/// the pages they share (the last pages of a table and of its indexes, when ids and times grow) go to
/// the WAL once a group instead of once an item. `write` returns once its item is committed; a lone
/// item is written at once, never held back to wait for company.
///
/// A caller that finds no group being written writes its item at once on its own thread
/// (synchronously, as `SQLiteTransactions` writes). Items that come meanwhile wait, and are written
/// on GRDB's writer queue, group after group of at most `maximumGroup`, until none is left; each
/// group's callers are answered after its commit. That queue's thread writes the next group as soon
/// as one commits: an earlier form handed the turn to a waiting caller, and the writer then sat idle
/// until that caller's task was scheduled on its event loop, behind the loop's other work (this form
/// creates 21 % more posts a second under 32 connections: `Benchmarks/compare.sh blog-create`).
///
/// When a group's transaction fails, nothing of it is stored, and each of its items is written again
/// alone, so that each caller has its own item's answer (one post's constraint failure is not its
/// neighbours').
public final class SQLiteGroupCommit<Item: Sendable>: Sendable {
    public typealias WriteItems = @Sendable (_ db: Database, _ items: [Item]) throws -> Void

    private let pool: DatabasePool
    private let writeItems: WriteItems
    /// Most items one transaction takes.
    public let maximumGroup: Int
    private let state = Mutex(State())

    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var aGroupIsBeingWritten = false
    }

    /// `writeItems` writes the items (statements only: the transaction is this type's).
    public init(_ pool: DatabasePool, maximumGroup: Int = 32, writeItems: @escaping WriteItems) {
        self.pool = pool
        self.maximumGroup = max(1, maximumGroup)
        self.writeItems = writeItems
    }

    /// Items waiting for a group (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Writes `item` in the next group, and returns once it is committed.
    public func write(_ item: Item) async throws {
        let writesNow = state.withLock { state in
            if state.aGroupIsBeingWritten { return false }
            state.aGroupIsBeingWritten = true
            return true
        }
        if writesNow { return try writeAlone(item) }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startsAWriter = state.withLock { state in
                state.waiting.append(Waiting(item: item, continuation: continuation))
                // The group being written may have ended since the first look.
                defer { state.aGroupIsBeingWritten = true }
                return !state.aGroupIsBeingWritten
            }
            if startsAWriter { writeWaitingGroups() }
        }
    }

    /// Writes the caller's item on its thread, then has those that came meanwhile written.
    private func writeAlone(_ item: Item) throws {
        let result = pool.writeWithoutTransaction { db in commit(db, [item])[0] }
        let othersWait = state.withLock { state in
            if state.waiting.isEmpty { state.aGroupIsBeingWritten = false }
            return !state.waiting.isEmpty
        }
        if othersWait { writeWaitingGroups() }
        try result.get()
    }

    /// On GRDB's writer queue, writes the waiting items group after group, answering each group's
    /// callers after its commit, until none is left.
    private func writeWaitingGroups() {
        pool.asyncWriteWithoutTransaction { db in
            while true {
                let group = self.state.withLock { state in
                    let taken = Array(state.waiting.prefix(self.maximumGroup))
                    state.waiting.removeFirst(taken.count)
                    if taken.isEmpty { state.aGroupIsBeingWritten = false }
                    return taken
                }
                if group.isEmpty { return }
                let results = self.commit(db, group.map(\.item))
                for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
            }
        }
    }

    /// One transaction for all `items`; after a failure, one for each.
    private func commit(_ db: Database, _ items: [Item]) -> [Result<Void, any Error>] {
        do {
            try commitTogether(db, items)
            return items.map { _ in .success(()) }
        } catch {
            guard items.count > 1 else { return [.failure(error)] }
            return items.map { item in Result { try commitTogether(db, [item]) } }
        }
    }

    private func commitTogether(_ db: Database, _ items: [Item]) throws {
        try db.inTransaction(.immediate) {
            try writeItems(db, items)
            return .commit
        }
    }
}
