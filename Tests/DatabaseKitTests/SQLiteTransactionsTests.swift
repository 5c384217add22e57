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
}
