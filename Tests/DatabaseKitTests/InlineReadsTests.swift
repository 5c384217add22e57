import DatabaseKit
import Foundation
import GRDB
import Testing

/// Reads on the caller's thread: the same answers as the pool's, never a write, and a statement too
/// long for the caller's thread finished the async way.
@Suite struct InlineReadsTests {
    static func withDatabase(_ body: (DatabasePool) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("numbers") { db in
            try db.execute(sql: "CREATE TABLE numbers (n INTEGER PRIMARY KEY)")
            for n in 1...100 { try db.execute(sql: "INSERT INTO numbers VALUES (?)", arguments: [n]) }
        }
        try await body(try SQLiteDatabase.open(path: folder.appendingPathComponent("db.sqlite").path, migrator: migrator))
    }

    @Test func itReadsWhatThePoolReads() async throws {
        try await Self.withDatabase { pool in
            let inline = InlineReads(pool, maximumConnections: 2)
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 1...50 {
                    group.addTask { try await inline.read { db in try Int.fetchOne(db, sql: "SELECT n FROM numbers WHERE n = ?", arguments: [n]) ?? 0 } }
                }
                return try await group.reduce(0, +)
            }
            #expect(sum == (1...50).reduce(0, +))
            // A row committed through the pool is seen by the next inline read.
            try await pool.write { db in try db.execute(sql: "INSERT INTO numbers VALUES (101)") }
            let count = try await inline.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM numbers") }
            #expect(count == 101)
        }
    }

    @Test func itNeverWrites() async throws {
        try await Self.withDatabase { pool in
            let inline = InlineReads(pool)
            await #expect(throws: DatabaseError.self) {
                try await inline.read { db in try db.execute(sql: "DELETE FROM numbers") }
            }
            let count = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM numbers") }
            #expect(count == 100)
        }
    }

    /// A statement that would hold the caller's thread past the inline limit is stopped there and run again
    /// on the pool, which answers.
    @Test func aLongStatementFinishesOffTheCallersThread() async throws {
        try await Self.withDatabase { pool in
            let inline = InlineReads(pool)
            let long = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT COUNT(*) FROM c"
            let count = try await inline.read { db in try Int.fetchOne(db, sql: long) }
            #expect(count == 3_000_000)
            #expect(inline.readsMovedToThePool == 1)
            _ = try await inline.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM numbers") }
            #expect(inline.readsMovedToThePool == 1)  // a short read stays
        }
    }

    /// A read of one statement runs outside an explicit transaction (SQLite gives the lone statement a
    /// snapshot of its own), sees every commit made before it, and cannot write either.
    @Test func aLoneStatementIsReadWithoutATransactionAroundIt() async throws {
        try await Self.withDatabase { pool in
            let inline = InlineReads(pool, maximumConnections: 1)
            #expect(try await inline.read { db in db.isInsideTransaction })
            #expect(try await inline.readOneStatement { db in db.isInsideTransaction } == false)
            for n in 101...103 {
                try await pool.write { db in try db.execute(sql: "INSERT INTO numbers VALUES (?)", arguments: [n]) }
                let count = try await inline.readOneStatement { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM numbers") }
                #expect(count == n)
            }
            await #expect(throws: DatabaseError.self) {
                try await inline.readOneStatement { db in try db.execute(sql: "DELETE FROM numbers") }
            }
            #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM numbers") } == 103)
        }
    }

    @Test func anErrorOfTheReadIsTheCallersError() async throws {
        try await Self.withDatabase { pool in
            let inline = InlineReads(pool)
            await #expect(throws: DatabaseError.self) {
                try await inline.read { db in try Int.fetchOne(db, sql: "SELECT nothing FROM nowhere") }
            }
            let seven = try await inline.read { db in try Int.fetchOne(db, sql: "SELECT 7") }
            #expect(seven == 7)  // the connection is back
        }
    }
}
