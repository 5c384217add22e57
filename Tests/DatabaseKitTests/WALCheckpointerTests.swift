import DatabaseKit
import Foundation
import GRDB
import Logging
import Testing

/// The write-ahead log is copied into the database by the checkpointer, not by the commits.
@Suite struct WALCheckpointerTests {
    static func databaseFileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    @Test func commitsLeaveTheLogToTheCheckpointerWhichCopiesIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("db.sqlite").path
        var migrator = DatabaseMigrator()
        migrator.registerMigration("notes") { db in try db.execute(sql: "CREATE TABLE notes (text TEXT NOT NULL)") }
        let pool = try SQLiteDatabase.open(path: path, migrator: migrator)
        #expect(try await pool.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == SQLiteDatabase.checkpointBackstopPages)

        // About 150 pages in 300 commits: under SQLite's own threshold of 1,000 too, so that only a
        // checkpointer copies them.
        let text = String(repeating: "x", count: 2_000)
        for _ in 0..<300 { try await pool.write { db in try db.execute(sql: "INSERT INTO notes VALUES (?)", arguments: [text]) } }
        let before = try Self.databaseFileSize(path)
        #expect(before < 100_000, "the rows are still in the log")

        let checkpointer = Task { try await WALCheckpointer(path: path, interval: .milliseconds(20), logger: Logger(label: "test")).run() }
        defer { checkpointer.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while try Self.databaseFileSize(path) < 500_000, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try Self.databaseFileSize(path) >= 500_000, "the log was copied into the database")
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 300)
    }
}
