import DatabaseKit
import Foundation
import GRDB
import ServiceKit

/// Tenants in SQLite.
struct SQLiteTenantRepository: TenantRepository {
    let database: SQLiteAccess

    func create(_ tenant: Tenant) async throws {
        do {
            try await database.write { db in
                try db.cachedStatement(
                    sql: "INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)").execute(
                    arguments: [tenant.id.lowercasedString, tenant.slug, tenant.name, tenant.createdAt.millisecondsSince1970])
            }
        } catch let error as DatabaseError where error.isUniqueViolation(on: "tenants.slug") {
            throw StorageConflict.slugTaken
        }
    }

    func find(id: UUID) async throws -> Tenant? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM tenants WHERE id = ?"), arguments: [id.lowercasedString], reading: Self.tenant)
        }
    }

    func find(slug: String) async throws -> Tenant? {
        try await database.read { db in try Self.tenant(slug: slug, in: db) }
    }

    /// The tenant with this slug, read in the caller's read (a login's reads it with its user).
    static func tenant(slug: String, in db: Database) throws -> Tenant? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM tenants WHERE slug = ?"), arguments: [slug], reading: tenant)
    }

    /// Nothing to do: a SQLite transaction that writes holds the whole database (`BEGIN IMMEDIATE`).
    func lockAdministration(of tenantID: UUID) async throws {}

    static func tenant(_ row: Row) throws -> Tenant {
        try Tenant(id: row.uuid("id"), slug: row.required("slug"), name: row.required("name"), createdAt: row.date("created_at"))
    }
}
