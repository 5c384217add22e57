import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceTestSupport
import Synchronization
import Testing

@testable import DatabaseKit

/// Items written by many callers at once share statements on PostgreSQL.
@Suite struct PostgresGroupCommitTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let migrations = [PostgresMigration(1, "items", ["CREATE TABLE items (id INTEGER PRIMARY KEY)"])]

    /// A group commit of integer ids into `items`, which records the size of each group it writes, holds
    /// its first group until `waitingBeforeTheFirstCommit` others wait behind it, and fails the groups
    /// `failsAsUnavailable` picks with the database's unavailability.
    final class Recorder: Sendable {
        let firstGroupStarted = Atomic(false)
        let groupSizes = Mutex<[Int]>([])
        let writer = Mutex<PostgresGroupCommit<Int>?>(nil)
        let database: PostgreSQLDatabase

        init(
            _ database: PostgreSQLDatabase, maximumGroup: Int, maximumWriters: Int, waitingBeforeTheFirstCommit: Int,
            failsAsUnavailable: @escaping @Sendable ([Int]) -> Bool = { _ in false }
        ) {
            self.database = database
            let commit = PostgresGroupCommit<Int>(database, maximumGroup: maximumGroup, maximumWriters: maximumWriters) {
                [self] connection, items in
                if !firstGroupStarted.exchange(true, ordering: .sequentiallyConsistent) {
                    let deadline = ContinuousClock.now + .seconds(10)
                    while writer.withLock({ $0?.waitingCount ?? 0 }) < waitingBeforeTheFirstCommit, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                groupSizes.withLock { $0.append(items.count) }
                if failsAsUnavailable(items) { throw AppError.unavailable(retryAfterSeconds: 1, message: "down for the test") }
                _ = try await connection.query("INSERT INTO items (id) SELECT * FROM unnest(\(items)::integer[])", logger: PostgresGroupCommitTests.logger)
                    .collect()
            }
            writer.withLock { $0 = commit }
        }

        var commit: PostgresGroupCommit<Int> { writer.withLock { $0! } }
        var groups: [Int] { groupSizes.withLock { $0 } }
        var stored: [Int] {
            get async throws {
                try await database.withConnection { connection in
                    try await connection.rows("SELECT id FROM items ORDER BY id", logger: PostgresGroupCommitTests.logger)
                        .map { try $0.required("id", as: Int.self) }
                }
            }
        }

        /// Writes `first`, then, once it is being written, each of `others` at once; every result.
        func write(first: Int, then others: [Int]) async throws -> [Int: Result<Void, any Error>] {
            let commit = self.commit
            return try await GroupCommitCallers.write(first: first, then: others, once: { [self] in firstGroupStarted.load(ordering: .sequentiallyConsistent) }) {
                try await commit.write($0)
            }
        }
    }

    static func withItems(_ body: @escaping @Sendable (PostgreSQLDatabase) async throws -> Void) async throws {
        try await TestPostgres.withDatabase(name: "items", migrations: migrations, poolSize: 4) { database in try await body(database) }
    }

    static let onPostgres = StoreKind.available.filter { $0 == .postgres }

    @Test(arguments: onPostgres)
    func aLoneItemIsWrittenAtOnce(kind: StoreKind) async throws {
        try await Self.withItems { database in
            let recorder = Recorder(database, maximumGroup: 4, maximumWriters: 1, waitingBeforeTheFirstCommit: 0)
            try await recorder.commit.write(7)
            #expect(recorder.groups == [1])
            let stored = try await recorder.stored
            #expect(stored == [7])
        }
    }

    @Test(arguments: onPostgres)
    func itemsThatArriveWhileTheWritersAreBusyShareStatementsUpToTheMaximum(kind: StoreKind) async throws {
        try await Self.withItems { database in
            let recorder = Recorder(database, maximumGroup: 4, maximumWriters: 1, waitingBeforeTheFirstCommit: 10)
            let results = try await recorder.write(first: 0, then: Array(1...10))
            #expect(results.count == 11)
            #expect(results.values.allSatisfy { (try? $0.get()) != nil })
            // The first alone; then the ones that waited for it, four by four.
            #expect(recorder.groups == [1, 4, 4, 2])
            let stored = try await recorder.stored
            #expect(stored == Array(0...10))
            #expect(recorder.commit.waitingCount == 0)
        }
    }

    @Test(arguments: onPostgres)
    func aFailingItemFailsAloneAndTheRestOfItsGroupIsStored(kind: StoreKind) async throws {
        try await Self.withItems { database in
            let recorder = Recorder(database, maximumGroup: 8, maximumWriters: 1, waitingBeforeTheFirstCommit: 3)
            try await database.withConnection { connection in
                _ = try await connection.query("INSERT INTO items (id) VALUES (2)", logger: Self.logger).collect()
            }
            let results = try await recorder.write(first: 100, then: [1, 2, 3])
            #expect(results.count == 4)
            #expect(GroupCommitCallers.error(results[2], as: PSQLError.self)?.isUniqueViolation() == true)
            for item in [100, 1, 3] { #expect((try? results[item]?.get()) != nil, "\(item)") }
            // The group of three failed on the copy of 2, and each of its items was written alone.
            #expect(recorder.groups == [1, 3, 1, 1, 1])
            let stored = try await recorder.stored
            #expect(stored == [1, 2, 3, 100])
        }
    }

    @Test(arguments: onPostgres)
    func aGroupTheDatabaseCannotTakeFailsWholeWithoutWritingEachItemAgain(kind: StoreKind) async throws {
        try await Self.withItems { database in
            let recorder = Recorder(database, maximumGroup: 8, maximumWriters: 1, waitingBeforeTheFirstCommit: 3) { $0.count > 1 }
            let results = try await recorder.write(first: 100, then: [1, 2, 3])
            #expect(results.count == 4)
            for item in [1, 2, 3] {
                let error = GroupCommitCallers.error(results[item], as: AppError.self)
                #expect(error?.code == .unavailable, "\(item)")
            }
            #expect((try? results[100]?.get()) != nil)
            #expect(recorder.groups == [1, 3])
            let stored = try await recorder.stored
            #expect(stored == [100])
        }
    }

    @Test(arguments: onPostgres)
    func everyCallerOfAStreamOfWritesIsAnsweredAndNothingIsLeftWaiting(kind: StoreKind) async throws {
        try await Self.withItems { database in
            let recorder = Recorder(database, maximumGroup: 4, maximumWriters: 2, waitingBeforeTheFirstCommit: 0)
            let commit = recorder.commit
            #expect(try await GroupCommitCallers.answers(of: 1...600) { try await commit.write($0) } == 600)
            let stored = try await recorder.stored
            #expect(stored == Array(1...600))
            #expect(commit.waitingCount == 0)
            #expect(recorder.groups.reduce(0, +) == 600)
            #expect(recorder.groups.allSatisfy { $0 <= 4 })
            #expect(recorder.groups.contains { $0 > 1 })  // they did share statements
        }
    }
}

/// Statements grouped for an answer each (the blog's reads by id): every caller has its own item's.
@Suite struct PostgresGroupedStatementsTests {
    static let onPostgres = StoreKind.available.filter { $0 == .postgres }

    /// The size of each group run.
    final class GroupSizes: Sendable {
        let recorded = Mutex<[Int]>([])
    }

    /// Each item's answer is its item times ten, computed by the server for the whole group at once.
    static func timesTen(_ database: PostgreSQLDatabase, groupSizes: GroupSizes, spreadsGroupsOverLoops: Bool) -> PostgresGroupedStatements<Int, Int> {
        PostgresGroupedStatements(database, maximumGroup: 8, maximumStatements: 1, spreadsGroupsOverLoops: spreadsGroupsOverLoops) { connection, items in
            groupSizes.recorded.withLock { $0.append(items.count) }
            return try await connection.rows(
                "SELECT item * 10 AS answer FROM unnest(\(items)::integer[]) WITH ORDINALITY AS asked (item, place) ORDER BY place",
                logger: PostgresGroupCommitTests.logger
            ).map { try $0.required("answer", as: Int.self) }
        }
    }

    /// On the worker's loop's connections, or on each loop's in turn.
    @Test(arguments: onPostgres, [false, true])
    func everyCallerOfAGroupHasItsOwnItemsAnswer(kind: StoreKind, spreadsGroupsOverLoops: Bool) async throws {
        try await PostgresGroupCommitTests.withItems { database in
            let groupSizes = GroupSizes()
            let statements = Self.timesTen(database, groupSizes: groupSizes, spreadsGroupsOverLoops: spreadsGroupsOverLoops)
            let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for item in 1...200 { group.addTask { (item, try await statements.run(item)) } }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
            #expect(answers.count == 200)
            #expect(answers.allSatisfy { item, answer in answer == item * 10 })
            #expect(statements.waitingCount == 0)
            let sizes = groupSizes.recorded.withLock { $0 }
            #expect(sizes.reduce(0, +) == 200)
            #expect(sizes.allSatisfy { $0 <= 8 })
            #expect(sizes.contains { $0 > 1 })  // they did share statements
        }
    }

    @Test(arguments: onPostgres)
    func aStatementThatAnswersFewerItemsThanItWasGivenFailsItsCallers(kind: StoreKind) async throws {
        try await PostgresGroupCommitTests.withItems { database in
            let statements = PostgresGroupedStatements<Int, Int>(database) { _, _ in [] }
            await #expect {
                _ = try await statements.run(1)
            } throws: { error in
                (error as? AppError)?.code == .internal
            }
        }
    }
}
