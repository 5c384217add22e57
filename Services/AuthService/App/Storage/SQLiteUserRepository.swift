import DatabaseKit
import Foundation
import GRDB
import ServiceKit
import TokenVerification

/// Users in SQLite.
struct SQLiteUserRepository: UserRepository {
    let database: SQLiteAccess

    func create(_ user: User) async throws {
        do {
            try await database.write { db in
                try db.cachedStatement(
                    sql: """
                        INSERT INTO users (id, tenant_id, email, name, role, is_active, password_hash, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(
                    arguments: [
                        user.id.lowercasedString, user.tenantID.lowercasedString, user.email, user.name, user.role.rawValue,
                        user.isActive, user.passwordHash, user.createdAt.millisecondsSince1970, user.updatedAt.millisecondsSince1970,
                    ])
            }
        } catch let error as DatabaseError where error.isUniqueViolation(on: "users.email") {
            throw StorageConflict.emailTaken
        }
    }

    func find(id: UUID, tenantID: UUID) async throws -> User? {
        try await database.read { db in try Self.find(db, id: id, tenantID: tenantID) }
    }

    static func find(_ db: Database, id: UUID, tenantID: UUID) throws -> User? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM users WHERE id = ? AND tenant_id = ?"),
            arguments: [id.lowercasedString, tenantID.lowercasedString], reading: user)
    }

    func findHoldingChanges(id: UUID, tenantID: UUID) async throws -> User? {
        try await find(id: id, tenantID: tenantID)
    }

    func find(email: String, tenantSlug: String) async throws -> TenantAccount? {
        try await database.read { db in
            guard let tenant = try SQLiteTenantRepository.tenant(slug: tenantSlug, in: db) else { return nil }
            let user = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM users WHERE tenant_id = ? AND email = ?"),
                arguments: [tenant.id.lowercasedString, email], reading: Self.user)
            return TenantAccount(tenant: tenant, user: user)
        }
    }

    func list(tenantID: UUID, filter: UserListFilter, page: PageRequest) async throws -> [User] {
        var sql = "SELECT * FROM users WHERE tenant_id = ?"
        var arguments: StatementArguments = [tenantID.lowercasedString]
        if let role = filter.role {
            sql += " AND role = ?"
            arguments += [role.rawValue]
        }
        if let text = filter.text {
            let pattern = LikePattern.containing(text)
            sql += #" AND (name LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')"#
            arguments += [pattern, pattern]
        }
        if let after = page.after {
            sql += " AND (created_at, id) > (?, ?)"
            arguments += [after.timestamp, after.id]
        }
        sql += " ORDER BY created_at, id LIMIT ?"
        arguments += [page.limit + 1]
        return try await database.read { [sql, arguments] db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments, reading: Self.user)
        }
    }

    func update(id: UUID, tenantID: UUID, changes: UserChanges, at date: Date) async throws -> User? {
        var assignments = ["updated_at = ?"]
        var arguments: StatementArguments = [date.millisecondsSince1970]
        if let name = changes.name { assignments.append("name = ?"); arguments += [name] }
        if let role = changes.role { assignments.append("role = ?"); arguments += [role.rawValue] }
        if let isActive = changes.isActive { assignments.append("is_active = ?"); arguments += [isActive] }
        if let hash = changes.passwordHash { assignments.append("password_hash = ?"); arguments += [hash] }
        arguments += [id.lowercasedString, tenantID.lowercasedString]
        let sql = "UPDATE users SET \(assignments.joined(separator: ", ")) WHERE id = ? AND tenant_id = ? RETURNING *"
        return try await database.write { [arguments] db in
            try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments, reading: Self.user)
        }
    }

    func countActiveAdmins(tenantID: UUID) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND role = 'admin' AND is_active = 1"),
                arguments: [tenantID.lowercasedString]) ?? 0
        }
    }

    func markSessionsCutOff(id: UUID, at date: Date) async throws {
        try await database.write { db in
            try db.cachedStatement(
                sql: "UPDATE users SET sessions_cut_off = max(sessions_cut_off + 1, ?) WHERE id = ?").execute(
                arguments: [date.millisecondsSince1970, id.lowercasedString])
        }
    }

    static func user(_ row: Row) throws -> User {
        try User(
            id: row.uuid("id"), tenantID: row.uuid("tenant_id"), email: row.required("email"), name: row.required("name"),
            role: row.enumeration("role"), isActive: row.required("is_active"), passwordHash: row.required("password_hash"),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"), sessionsCutOff: row.required("sessions_cut_off"))
    }
}
