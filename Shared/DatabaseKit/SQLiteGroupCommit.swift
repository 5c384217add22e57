import GRDB

/// Group commit for a write that many requests make at once, each of one item (the blog's new posts):
/// the items that arrive while a transaction commits are written together in the next one, so that
/// the pages they share (the last pages of a table and of its indexes, when ids and times grow) go to
/// the WAL once a group instead of once an item. `write` returns once its item is committed; a lone
/// item is written at once, never held back to wait for company.
///
/// Items are written on GRDB's writer queue, group after group of at most `maximumGroup`, until none
/// is left; each group's callers are answered after its commit. That queue's thread writes the next
/// group as soon as one commits, and the event loops never wait for a write. Earlier forms wrote on the
/// caller's thread and handed the turn to a waiting caller: the writer then sat idle until that
/// caller's task was scheduled on its event loop, behind the loop's other work, and a loop writing
/// served no requests meanwhile. Under 32 connections of creates (`Benchmarks/compare.sh
/// blog-create`): handing the groups to the writer queue +21 % posts a second (median of 4 pairs),
/// then the lone posts too +9 % (8 pairs, p99 lower in each).
///
/// When a group's transaction fails, nothing of it is stored, and each of its items is written again
/// alone, so that each caller has its own item's answer (one post's constraint failure is not its
/// neighbours').
public final class SQLiteGroupCommit<Item: Sendable>: Sendable {
    public typealias WriteItems = @Sendable (_ db: Database, _ items: [Item]) throws -> Void

    private let pool: DatabasePool
    private let writeItems: WriteItems
    /// One writer: GRDB's writer queue.
    private let queue: GroupQueue<Item, Void>
    /// Most items one transaction takes.
    public var maximumGroup: Int { queue.maximumGroup }

    /// `writeItems` writes the items (statements only: the transaction is this type's).
    public init(_ pool: DatabasePool, maximumGroup: Int = 32, writeItems: @escaping WriteItems) {
        self.pool = pool
        self.queue = GroupQueue(maximumGroup: maximumGroup, maximumWorkers: 1)
        self.writeItems = writeItems
    }

    /// Items waiting for a group (for tests).
    var waitingCount: Int { queue.waitingCount }

    /// Writes `item` in the next group, and returns once it is committed.
    public func write(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if queue.wait(.init(item: item, continuation: continuation)) { writeWaitingGroups() }
        }
    }

    /// On GRDB's writer queue, writes the waiting items group after group, answering each group's
    /// callers after its commit, until none is left.
    private func writeWaitingGroups() {
        pool.asyncWriteWithoutTransaction { db in
            while true {
                let group = self.queue.nextGroup()
                if group.isEmpty { return }
                GroupQueue.answer(group, with: self.commit(db, group.map(\.item)))
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
