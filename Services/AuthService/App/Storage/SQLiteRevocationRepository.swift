import DatabaseKit
import Foundation
import GRDB
import ServiceKit

/// Session cut-offs in SQLite: one row per user with their latest `not_before`.
struct SQLiteRevocationRepository: RevocationRepository {
    let database: SQLiteAccess

    func record(userID: UUID, notBefore: Int) async throws {
        try await database.write { db in
            // One write at a time: numbers are taken in the order of the commits.
            let sequence = try Int64.fetchOne(db.cachedStatement(sql: "UPDATE revocation_sequence SET value = value + 1 RETURNING value")) ?? 0
            try db.cachedStatement(
                sql: """
                    INSERT INTO revocations (user_id, not_before, seq) VALUES (?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET not_before = max(not_before, excluded.not_before), seq = excluded.seq
                    """).execute(
                arguments: [userID.lowercasedString, notBefore, sequence])
        }
    }

    func list(since: Int) async throws -> [(userID: UUID, notBefore: Int)] {
        try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT user_id, not_before FROM revocations WHERE not_before >= ? ORDER BY not_before"), arguments: [since]
            ).map { try (userID: $0.uuid("user_id"), notBefore: $0.required("not_before")) }
        }
    }

    func changes(after: Int64, since: Int, limit: Int) async throws -> RevocationChanges {
        try await database.read { db in
            let entries = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT user_id, not_before, seq FROM revocations WHERE seq > ? AND not_before >= ? ORDER BY seq LIMIT ?"),
                arguments: [after, since, limit]
            ).map { try RevocationChanges.Entry(userID: $0.uuid("user_id"), notBefore: $0.required("not_before"), sequence: $0.required("seq")) }
            let latest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM revocation_sequence")) ?? 0
            return RevocationChanges(entries: entries, latest: latest)
        }
    }

    func deleteOlder(than before: Int) async throws -> Int {
        try await database.write { db in
            try db.cachedStatement(sql: "DELETE FROM revocations WHERE not_before < ?").execute( arguments: [before])
            return db.changesCount
        }
    }
}
