import PostgresNIO
import ServiceKit
import Synchronization

/// Statements that many requests make at once on PostgreSQL, each for one item (a new post to insert,
/// a post to read by its id): the items that arrive while the statements in flight are at their
/// maximum share the next statement, run by the next worker free. `run` returns its item's answer; a
/// lone item runs at once on its caller's task, never held back to wait for company.
///
/// At most `maximumStatements` groups are in flight, each on a connection of the pool. A caller that
/// finds a place free and nobody waiting runs its item itself; one that finds them all busy waits, and
/// the first worker to finish runs the waiting items (at most `maximumGroup` a statement) on a task of
/// its own until none is left, answering each group's callers once its statement has run. So under load
/// an item costs PostgreSQL a share of one statement (and of one commit, for a write) and the service
/// a share of a round trip, instead of one of each.
///
/// When a group's statement fails, nothing of it is kept. If the error says the database is
/// unavailable (no connection, over the time limit), every caller of the group has it: running each
/// alone would only wait as long again, once an item. Otherwise each item runs again alone, so that each
/// caller has its own item's answer (one post's constraint failure is not its neighbours').
public final class PostgresGroupedStatements<Item: Sendable, Answer: Sendable>: Sendable {
    /// Runs the items in one statement on `connection` (a single statement commits on its own), and
    /// answers each, in the items' order.
    public typealias RunItems = @Sendable (_ connection: PostgresConnection, _ items: [Item]) async throws -> [Answer]

    private let database: PostgreSQLDatabase
    private let runItems: RunItems
    private let queue: GroupQueue<Item, Answer>
    /// Whether the groups' statements take the pool's shares in turn (`init`).
    private let spreadsGroupsOverLoops: Bool
    private let groupTurns = Atomic<UInt>(0)
    /// Most items one statement takes.
    public var maximumGroup: Int { queue.maximumGroup }
    /// Most statements in flight at once.
    public var maximumStatements: Int { queue.maximumWorkers }

    /// `spreadsGroupsOverLoops`: each group's statement on the connections of the event loops in turn
    /// (`PostgreSQLDatabase.withConnection(takingTurn:)`), rather than of its worker's loop. For groups
    /// whose answers are large (pages of a list), so that every loop shares in reading them: with two
    /// statements in flight, both workers could run on one loop and read every group there while the
    /// other loop waited. Small answers (a post by id, an insert's) are cheaper read on the worker's loop.
    public init(
        _ database: PostgreSQLDatabase, maximumGroup: Int = 32, maximumStatements: Int = 2, spreadsGroupsOverLoops: Bool = false,
        runItems: @escaping RunItems
    ) {
        self.database = database
        self.spreadsGroupsOverLoops = spreadsGroupsOverLoops
        self.queue = GroupQueue(maximumGroup: maximumGroup, maximumWorkers: maximumStatements)
        self.runItems = runItems
    }

    /// Items waiting for a group (for tests).
    var waitingCount: Int { queue.waitingCount }

    /// Runs `item`, alone when a place is free and nobody waits, else in the next group; its answer.
    public func run(_ item: Item) async throws -> Answer {
        if queue.takeAPlaceAlone() {
            defer { if queue.aLoneCallerFinished() { Task { await runWaitingGroups() } } }
            return try await runTogether([item])[0]
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, any Error>) in
            if queue.wait(.init(item: item, continuation: continuation)) { Task { await runWaitingGroups() } }
        }
    }

    /// Runs the waiting items group after group, answering each group's callers once its statement has
    /// run, until none is left.
    private func runWaitingGroups() async {
        while true {
            let group = queue.nextGroup()
            if group.isEmpty { return }
            GroupQueue.answer(group, with: await answers(group.map(\.item)))
        }
    }

    /// One statement for all `items`; after a failure that is not the database's unavailability, one
    /// for each.
    private func answers(_ items: [Item]) async -> [Result<Answer, any Error>] {
        do {
            return try await runTogether(items).map { .success($0) }
        } catch {
            let unavailable = AppError(error).code == .unavailable
            guard items.count > 1, !unavailable else { return items.map { _ in .failure(error) } }
            var results: [Result<Answer, any Error>] = []
            for item in items {
                do {
                    results.append(.success(try await runTogether([item])[0]))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// `items` in one statement, on a connection of the pool: an answer for each, in their order.
    private func runTogether(_ items: [Item]) async throws -> [Answer] {
        let turn = spreadsGroupsOverLoops && items.count > 1 ? groupTurns.wrappingAdd(1, ordering: .relaxed).oldValue : nil
        let answers = try await database.withConnection(takingTurn: turn) { [runItems] connection in try await runItems(connection, items) }
        guard answers.count == items.count else {
            throw AppError(.internal, "A grouped statement answered \(answers.count) of its \(items.count) items")
        }
        return answers
    }
}

/// Group commit on PostgreSQL for a write that many requests make at once, each of one item (the
/// blog's new posts): `PostgresGroupedStatements` whose items have no answer but their commit.
public typealias PostgresGroupCommit<Item: Sendable> = PostgresGroupedStatements<Item, Void>

extension PostgresGroupedStatements where Answer == Void {
    /// Writes the items in one statement on `connection` (a single statement commits on its own).
    public typealias WriteItems = @Sendable (_ connection: PostgresConnection, _ items: [Item]) async throws -> Void

    public convenience init(_ database: PostgreSQLDatabase, maximumGroup: Int = 32, maximumWriters: Int = 2, writeItems: @escaping WriteItems) {
        self.init(database, maximumGroup: maximumGroup, maximumStatements: maximumWriters) { connection, items in
            try await writeItems(connection, items)
            return items.map { _ in () }
        }
    }

    /// Most statements in flight at once.
    public var maximumWriters: Int { maximumStatements }

    /// Writes `item`, alone when a writer is free and nobody waits, else in the next group; returns
    /// once it is committed.
    public func write(_ item: Item) async throws {
        try await run(item)
    }
}
