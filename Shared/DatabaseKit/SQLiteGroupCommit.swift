import GRDB
import Synchronization

/// Group commit for a write that many requests make at once, each of one item (the blog's new posts):
/// the items that arrive while a transaction commits are written together in the next one, so that
/// the pages they share (the last pages of a table and of its indexes, when ids and times grow) go to
/// the WAL once a group instead of once an item. `write` returns once its item is committed; a lone
/// item is written at once, never held back to wait for company.
///
/// There is no writer task: the first caller to find no group being written writes one on its own
/// thread (synchronously, as `SQLiteTransactions` writes: GRDB's async API would cost two thread
/// switches a write), its own item and the others waiting, at most `maximumGroup`. It then hands the
/// turn to the first caller still waiting, if any, and answers the others. So no caller writes more
/// than one group besides waiting for one.
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

    private enum Turn { case written, writeAGroup }

    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Turn, any Error>
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
        if writesNow { return try writeGroup(startingWith: item) }
        let turn = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
            let writesNow = state.withLock { state in
                // The group being written may have ended since the first look.
                if !state.aGroupIsBeingWritten {
                    state.aGroupIsBeingWritten = true
                    return true
                }
                state.waiting.append(Waiting(item: item, continuation: continuation))
                return false
            }
            if writesNow { continuation.resume(returning: .writeAGroup) }
        }
        if turn == .writeAGroup { try writeGroup(startingWith: item) }
    }

    /// Writes `first` (the caller's) and those waiting, hands the turn on, and answers the others.
    private func writeGroup(startingWith first: Item) throws {
        let others = state.withLock { state in
            let taken = Array(state.waiting.prefix(maximumGroup - 1))
            state.waiting.removeFirst(taken.count)
            return taken
        }
        let results = commit([first] + others.map(\.item))
        let next = state.withLock { state -> Waiting? in
            guard !state.waiting.isEmpty else {
                state.aGroupIsBeingWritten = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .writeAGroup)
        for (waiting, result) in zip(others, results.dropFirst()) {
            waiting.continuation.resume(with: result.map { _ in .written })
        }
        try results[0].get()
    }

    /// One transaction for all `items`; after a failure, one for each.
    private func commit(_ items: [Item]) -> [Result<Void, any Error>] {
        do {
            try commitTogether(items)
            return items.map { _ in .success(()) }
        } catch {
            guard items.count > 1 else { return [.failure(error)] }
            return items.map { item in Result { try commitTogether([item]) } }
        }
    }

    private func commitTogether(_ items: [Item]) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try writeItems(db, items)
                return .commit
            }
        }
    }
}
