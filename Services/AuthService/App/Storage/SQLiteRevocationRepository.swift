import DatabaseKit
import Foundation
import GRDB
import ServiceKit

/// Session cut-offs in SQLite: one row per user with their latest `not_before`.
struct SQLiteRevocationRepository: RevocationRepository {
    let database: DatabasePool

    func cutOffSessions(userID: UUID, notBefore: Int, at date: Date) async throws {
        try await database.write { db in
            try Self.cutOffSessions(userID: userID.lowercasedString, notBefore: notBefore, at: date, in: db)
        }
    }

    func list(since: Int) async throws -> [(userID: UUID, notBefore: Int)] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT user_id, not_before FROM revocations WHERE not_before >= ? ORDER BY not_before", arguments: [since]
            ).map { (userID: $0.uuid("user_id"), notBefore: $0["not_before"]) }
        }
    }

    func deleteOlder(than before: Int) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM revocations WHERE not_before < ?", arguments: [before])
            return db.changesCount
        }
    }

    static func cutOffSessions(userID: String, notBefore: Int, at date: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE users SET sessions_cut_off = max(sessions_cut_off + 1, ?) WHERE id = ?",
            arguments: [date.millisecondsSince1970, userID])
        try db.execute(
            sql: "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            arguments: [date.millisecondsSince1970, userID])
        try db.execute(
            sql: """
                INSERT INTO revocations (user_id, not_before) VALUES (?, ?)
                ON CONFLICT (user_id) DO UPDATE SET not_before = max(not_before, excluded.not_before)
                """,
            arguments: [userID, notBefore])
    }
}
