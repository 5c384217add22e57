import DatabaseKit
import Foundation
import GRDB
import ServiceTestSupport
import Testing

/// SQLite transactions whose steps are awaited one by one.
@Suite struct SQLiteTransactionsTests {
    /// The test's database folder, removed with the suite's instance (one a test).
    let folder = TemporaryFolder("transactions")

    func open() throws -> SQLiteTransactions {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1") { db in
            try db.execute(sql: "CREATE TABLE counter (value INTEGER NOT NULL); INSERT INTO counter VALUES (0); CREATE TABLE notes (text TEXT)")
        }
        return SQLiteTransactions(try SQLiteDatabase.open(path: folder.path + "test.sqlite", migrator: migrator))
    }

    /// Read, await, write: without one writer at a time, two such transactions lose an increment.
    @Test func transactionsThatAwaitBetweenStepsDoNotInterleave() async throws {
        let database = try open()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await database.transaction { access in
                        let value = try await access.read { db in try Int.fetchOne(db, sql: "SELECT value FROM counter")! }
                        await Task.yield()
                        try await Task.sleep(for: .milliseconds(1))
                        try await access.write { db in try db.execute(sql: "UPDATE counter SET value = ?", arguments: [value + 1]) }
                    }
                }
                // Writes outside any transaction wait their turn too.
                group.addTask { try await database.access.write { db in try db.execute(sql: "INSERT INTO notes VALUES ('x')") } }
            }
            try await group.waitForAll()
        }
        #expect(try await database.access.read { db in try Int.fetchOne(db, sql: "SELECT value FROM counter") } == 20)
        #expect(try await database.access.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 20)
    }

    @Test func aTransactionThatThrowsIsRolledBackAndTheDatabaseGoesOn() async throws {
        struct Abandon: Error {}
        let database = try open()
        await #expect(throws: Abandon.self) {
            try await database.transaction { access in
                try await access.write { db in try db.execute(sql: "INSERT INTO notes VALUES ('lost')") }
                #expect(try await access.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 1)  // its own write
                #expect(try await database.access.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 0)  // not yet others'
                throw Abandon()
            }
        }
        #expect(try await database.access.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 0)
        try await database.access.write { db in try db.execute(sql: "INSERT INTO notes VALUES ('kept')") }
        #expect(try await database.access.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 1)
    }

    /// Many combined writes at once (more than one writer's turn runs): each is its own transaction and
    /// answers its own result; one that fails fails alone; none runs inside a transaction in progress.
    @Test func combinedWritesAnswerEachCallerAndWaitForATransactionInProgress() async throws {
        struct Refused: Error {}
        let database = try open()
        let (held, release) = (Latch(), Latch())
        async let holding: Void = database.transaction { access in
            try await access.write { db in try db.execute(sql: "UPDATE counter SET value = 1000") }
            held.open()
            await release.wait()
            try await access.write { db in try db.execute(sql: "UPDATE counter SET value = 0") }
        }
        await held.wait()
        let count = SQLiteTransactions.maximumCombinedWrites * 2 + 3
        let answers = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        let seen = try await database.writeCombined { db -> Int in
                            try db.execute(sql: "INSERT INTO notes VALUES (?)", arguments: ["\(index)"])
                            if index == 7 { throw Refused() }
                            return try Int.fetchOne(db, sql: "SELECT value FROM counter")!
                        }
                        return (index, seen)
                    } catch is Refused {
                        return (index, nil)
                    }
                }
            }
            // The writes wait for the transaction: let it end once they are all waiting or running.
            try await Task.sleep(for: .milliseconds(200))
            release.open()
            return try await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        try await holding
        #expect(answers.count == count)
        #expect(answers[7].map { $0 == nil } == true, "the refused write failed alone")
        // Every other write saw the transaction's outcome (0), never its uncommitted 1000.
        #expect(answers.filter { $0.key != 7 }.allSatisfy { $0.value == 0 })
        let notes = try await database.access.read { db in try Set(String.fetchAll(db, sql: "SELECT text FROM notes")) }
        #expect(notes == Set((0..<count).filter { $0 != 7 }.map { "\($0)" }), "each write committed but the refused one")
    }
}
