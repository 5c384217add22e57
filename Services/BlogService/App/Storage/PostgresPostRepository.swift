import DatabaseKit
import Foundation
import PostgresNIO
import ServiceKit

/// Posts in PostgreSQL.
struct PostgresPostRepository: PostRepository {
    let database: PostgreSQLDatabase
    let logger: Logger

    func create(_ post: Post) async throws {
        let insert = try Prepared<InsertPost> {
            try $0.append(post.id); try $0.append(post.tenantID); try $0.append(post.authorID)
            try $0.append(post.title); try $0.append(post.content); try $0.append(post.status.rawValue); try $0.append(post.version)
            try $0.append(post.createdAt.millisecondsSince1970); try $0.append(post.updatedAt.millisecondsSince1970)
        }
        try await database.withConnection { [logger] connection in try await connection.run(insert, logger: logger) }
    }

    enum InsertPost: FixedPostgresStatement {
        static let sql = "INSERT INTO posts (\(columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    }

    func find(id: UUID, tenantID: UUID) async throws -> Post? {
        let find = try Prepared<FindPost> { try $0.append(id); try $0.append(tenantID) }
        return try await database.withConnection { [logger] connection in try await connection.rows(find, logger: logger).first.map(Self.post) }
    }

    enum FindPost: FixedPostgresStatement {
        static let sql = "SELECT \(columns) FROM posts WHERE id = $1 AND tenant_id = $2"
    }

    /// The columns `post(_:)` reads.
    static let columns = "id, tenant_id, author_id, title, content, status, version, created_at, updated_at"

    /// A keyset walk down `posts_by_tenant_and_creation`, as in SQLite (`ILIKE`: SQLite's `LIKE` ignores case).
    func list(tenantID: UUID, filter: PostListFilter, page: PageRequest) async throws -> [Post] {
        var statement = PostgresStatement("SELECT * FROM posts WHERE tenant_id = ")
        statement.append(statement.bind(tenantID))
        if let author = filter.author { statement.append(" AND author_id = \(statement.bind(author))") }
        if let status = filter.status { statement.append(" AND status = \(statement.bind(status.rawValue))") }
        if case .author(let reader) = filter.draftsVisibleTo {
            statement.append(" AND (status = 'published' OR author_id = \(statement.bind(reader)))")
        }
        if let text = filter.text {
            let pattern = statement.bind(LikePattern.containing(text))
            statement.append(#" AND (title ILIKE \#(pattern) ESCAPE '\' OR content ILIKE \#(pattern) ESCAPE '\')"#)
        }
        if let after = page.after {
            let (timestamp, id) = (statement.bind(after.timestamp), statement.bind(try after.uuid()))
            statement.append(" AND (created_at, id) < (\(timestamp), \(id))")
        }
        statement.append(" ORDER BY created_at DESC, id DESC LIMIT \(statement.bind(page.limit + 1))")
        let query = statement.query
        return try await database.withConnection { [logger] connection in
            try await connection.rows(query, logger: logger).map(Self.post)
        }
    }

    func update(id: UUID, tenantID: UUID, expectedVersion: Int, changes: PostChanges, at date: Date) async throws -> Post? {
        var statement = PostgresStatement("UPDATE posts SET version = version + 1, updated_at = ")
        statement.append(statement.bind(date.millisecondsSince1970))
        if let title = changes.title { statement.append(", title = \(statement.bind(title))") }
        if let content = changes.content { statement.append(", content = \(statement.bind(content))") }
        if let status = changes.status { statement.append(", status = \(statement.bind(status.rawValue))") }
        let (idPlaceholder, tenant, version) = (statement.bind(id), statement.bind(tenantID), statement.bind(expectedVersion))
        statement.append(" WHERE id = \(idPlaceholder) AND tenant_id = \(tenant) AND version = \(version) RETURNING *")
        let query = statement.query
        return try await database.withConnection { [logger] connection in
            try await connection.rows(query, logger: logger).first.map(Self.post)
        }
    }

    func delete(id: UUID, tenantID: UUID, expectedVersion: Int) async throws -> Bool {
        try await database.withConnection { [logger] connection in
            try await connection.run(
                "DELETE FROM posts WHERE id = \(id) AND tenant_id = \(tenantID) AND version = \(expectedVersion) RETURNING id", logger: logger) == 1
        }
    }

    static func post(_ row: PostgresRandomAccessRow) throws -> Post {
        try Post(
            id: row.required("id"), tenantID: row.required("tenant_id"), authorID: row.required("author_id"), title: row.required("title"),
            content: row.required("content"), status: row.enumeration("status"), version: row.required("version"),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }
}
