import DatabaseKit
import Foundation
import GRDB
import ServiceKit

/// Refresh tokens in SQLite.
struct SQLiteRefreshTokenRepository: RefreshTokenRepository {
    let database: SQLiteAccess

    func insert(_ token: RefreshTokenRecord) async throws {
        try await database.write { db in try Self.insert(db, token) }
    }

    static func insert(_ db: Database, _ token: RefreshTokenRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO refresh_tokens (id, token_hash, family_id, user_id, tenant_id, created_at, expires_at, rotated_at, grace_used, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [
                token.id.lowercasedString, token.tokenHash, token.familyID.lowercasedString, token.userID.lowercasedString,
                token.tenantID.lowercasedString, token.createdAt.millisecondsSince1970, token.expiresAt.millisecondsSince1970,
                token.rotatedAt?.millisecondsSince1970, token.graceUsed, token.revokedAt?.millisecondsSince1970,
            ])
    }

    func find(tokenHash: Data) async throws -> RefreshTokenRecord? {
        try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM refresh_tokens WHERE token_hash = ?"), arguments: [tokenHash], reading: Self.record)
        }
    }

    /// Three statements in one read: the token, then its user and tenant.
    func findWithOwner(tokenHash: Data) async throws -> OwnedRefreshToken? {
        try await database.read { db in
            guard let token = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM refresh_tokens WHERE token_hash = ?"), arguments: [tokenHash], reading: Self.record)
            else { return nil }
            let user = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM users WHERE id = ? AND tenant_id = ?"),
                arguments: [token.userID.lowercasedString, token.tenantID.lowercasedString], reading: SQLiteUserRepository.user)
            let tenant = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM tenants WHERE id = ?"), arguments: [token.tenantID.lowercasedString],
                reading: SQLiteTenantRepository.tenant)
            return OwnedRefreshToken(token: token, user: user, tenant: tenant)
        }
    }

    func markRotated(id: UUID, at date: Date, successor: UUID) async throws -> Bool {
        try await database.write { db in try Self.markRotated(db, id: id, at: date, successor: successor) }
    }

    static func markRotated(_ db: Database, id: UUID, at date: Date, successor: UUID) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE refresh_tokens SET rotated_at = ?, replaced_by = ?
                WHERE id = ? AND rotated_at IS NULL AND revoked_at IS NULL
                """).execute(
            arguments: [date.millisecondsSince1970, successor.lowercasedString, id.lowercasedString])
        return db.changesCount == 1
    }

    func spendGrace(id: UUID, rotatedSince: Date) async throws -> Bool {
        try await database.write { db in try Self.spendGrace(db, id: id, rotatedSince: rotatedSince) }
    }

    static func spendGrace(_ db: Database, id: UUID, rotatedSince: Date) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE refresh_tokens SET grace_used = 1
                WHERE id = ? AND grace_used = 0 AND revoked_at IS NULL AND rotated_at >= ?
                  AND EXISTS (SELECT 1 FROM refresh_tokens AS successor
                              WHERE successor.id = refresh_tokens.replaced_by
                                AND successor.rotated_at IS NULL AND successor.revoked_at IS NULL)
                """).execute(
            arguments: [id.lowercasedString, rotatedSince.millisecondsSince1970])
        return db.changesCount == 1
    }

    func revokeFamily(_ familyID: UUID, at date: Date) async throws {
        try await database.write { db in
            try db.cachedStatement(
                sql: "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL").execute(
                arguments: [date.millisecondsSince1970, familyID.lowercasedString])
        }
    }

    func revokeAll(userID: UUID, at date: Date) async throws {
        try await database.write { db in
            try db.cachedStatement(
                sql: "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL").execute(
                arguments: [date.millisecondsSince1970, userID.lowercasedString])
        }
    }

    func deleteExpired(before date: Date) async throws -> Int {
        try await database.write { db in
            try db.cachedStatement(sql: "DELETE FROM refresh_tokens WHERE expires_at < ?").execute( arguments: [date.millisecondsSince1970])
            return db.changesCount
        }
    }

    static func record(_ row: Row) throws -> RefreshTokenRecord {
        try RefreshTokenRecord(
            id: row.uuid("id"), familyID: row.uuid("family_id"), userID: row.uuid("user_id"), tenantID: row.uuid("tenant_id"), tokenHash: row.required("token_hash"),
            createdAt: row.date("created_at"), expiresAt: row.date("expires_at"), rotatedAt: row.optionalDate("rotated_at"),
            graceUsed: row.required("grace_used"), revokedAt: row.optionalDate("revoked_at"))
    }
}
