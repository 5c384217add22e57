import PostgresNIO
import ServiceKit

/// Group commit on PostgreSQL for a write that many requests make at once, each of one item (the
/// blog's new posts): the items that arrive while the writers are busy are written together, in one
/// statement, by the next writer free. `write` returns once its item is committed; a lone item is
/// written at once by its caller, never held back to wait for company.
///
/// At most `maximumWriters` groups are in flight, each on a connection of the pool. A caller that
/// finds a writer free and nobody waiting writes its item itself, on its own task; one that finds them
/// all busy waits, and the first writer to finish writes the waiting items (at most `maximumGroup` a
/// statement) on a task of its own until none is left, answering each group's callers after its
/// commit. So under load a post costs PostgreSQL a share of one statement and one commit, not one of
/// each, and the service a share of a round trip.
///
/// When a group's statement fails, nothing of it is stored. If the error says the database is
/// unavailable (no connection, over the time limit), every caller of the group has it: writing each
/// alone would only wait as long again, once an item. Otherwise each item is written again alone, so
/// that each caller has its own item's answer (one post's constraint failure is not its neighbours').
public final class PostgresGroupCommit<Item: Sendable>: Sendable {
    /// Writes the items in one statement on `connection` (a single statement commits on its own).
    public typealias WriteItems = @Sendable (_ connection: PostgresConnection, _ items: [Item]) async throws -> Void

    private let database: PostgreSQLDatabase
    private let writeItems: WriteItems
    private let queue: GroupCommitQueue<Item>
    /// Most items one statement takes.
    public var maximumGroup: Int { queue.maximumGroup }
    /// Most statements in flight at once.
    public var maximumWriters: Int { queue.maximumWriters }

    public init(_ database: PostgreSQLDatabase, maximumGroup: Int = 32, maximumWriters: Int = 2, writeItems: @escaping WriteItems) {
        self.database = database
        self.queue = GroupCommitQueue(maximumGroup: maximumGroup, maximumWriters: maximumWriters)
        self.writeItems = writeItems
    }

    /// Items waiting for a group (for tests).
    var waitingCount: Int { queue.waitingCount }

    /// Writes `item`, alone when a writer is free and nobody waits, else in the next group; returns
    /// once it is committed.
    public func write(_ item: Item) async throws {
        if queue.takeAPlaceToWriteAlone() {
            defer { if queue.aLoneWriterFinished() { Task { await writeWaitingGroups() } } }
            try await insert([item])
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if queue.wait(.init(item: item, continuation: continuation)) { Task { await writeWaitingGroups() } }
        }
    }

    /// Writes the waiting items group after group, answering each group's callers after its commit,
    /// until none is left.
    private func writeWaitingGroups() async {
        while true {
            let group = queue.nextGroup()
            if group.isEmpty { return }
            GroupCommitQueue.answer(group, with: await commit(group.map(\.item)))
        }
    }

    /// One statement for all `items`; after a failure that is not the database's unavailability, one
    /// for each.
    private func commit(_ items: [Item]) async -> [Result<Void, any Error>] {
        do {
            try await insert(items)
            return items.map { _ in .success(()) }
        } catch {
            let unavailable = AppError(error).code == .unavailable
            guard items.count > 1, !unavailable else { return items.map { _ in .failure(error) } }
            var results: [Result<Void, any Error>] = []
            for item in items {
                do {
                    try await insert([item])
                    results.append(.success(()))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// `items` in one statement, on a connection of the pool.
    private func insert(_ items: [Item]) async throws {
        try await database.withConnection { [writeItems] connection in try await writeItems(connection, items) }
    }
}
