import DatabaseKit
import Foundation
import GRDB
import ServiceKit

/// Posts in SQLite.
struct SQLitePostRepository: PostRepository {
    let database: DatabasePool
    /// Reads by id and keyset pages without a text search: bounded by an index.
    let inline: InlineReads

    /// New posts: those of concurrent requests share a transaction.
    let creates: SQLiteGroupCommit<Post>

    init(database: DatabasePool) {
        self.database = database
        self.inline = InlineReads(database)
        self.creates = SQLiteGroupCommit(database) { db, posts in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO posts (id, tenant_id, author_id, title, content, status, version, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for post in posts {
                try insert.execute(
                    arguments: [
                        post.id.lowercasedString, post.tenantID.lowercasedString, post.authorID.lowercasedString, post.title, post.content,
                        post.status.rawValue, post.version, post.createdAt.millisecondsSince1970, post.updatedAt.millisecondsSince1970,
                    ])
            }
        }
    }

    func create(_ post: Post) async throws {
        try await creates.write(post)
    }

    func find(id: UUID, tenantID: UUID) async throws -> Post? {
        try await inline.readOneStatement { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "\(Self.selectPosts) WHERE id = ? AND tenant_id = ?"),
                arguments: [id.lowercasedString, tenantID.lowercasedString], reading: Self.post)
        }
    }

    func list(tenantID: UUID, filter: PostListFilter, page: PageRequest) async throws -> [Post] {
        let (sql, arguments) = Self.listQuery(tenantID: tenantID, filter: filter, page: page)
        let read: @Sendable (Database) throws -> [Post] = { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments, reading: Self.post)
        }
        // A text search reads every text of the tenant: never on the caller's thread.
        return filter.text == nil ? try await inline.readOneStatement(read) : try await database.read(read)
    }

    /// The list's statement: a keyset walk down `posts_by_tenant_and_creation`.
    static func listQuery(tenantID: UUID, filter: PostListFilter, page: PageRequest) -> (String, StatementArguments) {
        var sql = "\(Self.selectPosts) WHERE tenant_id = ?"
        var arguments: StatementArguments = [tenantID.lowercasedString]
        if let author = filter.author {
            sql += " AND author_id = ?"
            arguments += [author.lowercasedString]
        }
        if let status = filter.status {
            sql += " AND status = ?"
            arguments += [status.rawValue]
        }
        if case .author(let reader) = filter.draftsVisibleTo {
            sql += " AND (status = 'published' OR author_id = ?)"
            arguments += [reader.lowercasedString]
        }
        if let text = filter.text {
            let pattern = LikePattern.containing(text)
            sql += #" AND (title LIKE ? ESCAPE '\' OR content LIKE ? ESCAPE '\')"#
            arguments += [pattern, pattern]
        }
        if let after = page.after {
            sql += " AND (created_at, id) < (?, ?)"
            arguments += [after.timestamp, after.id]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        arguments += [page.limit + 1]
        return (sql, arguments)
    }

    func update(id: UUID, tenantID: UUID, expectedVersion: Int, changes: PostChanges, at date: Date) async throws -> Post? {
        try await database.write { db in
            var assignments = ["version = version + 1", "updated_at = ?"]
            var arguments: StatementArguments = [date.millisecondsSince1970]
            if let title = changes.title { assignments.append("title = ?"); arguments += [title] }
            if let content = changes.content { assignments.append("content = ?"); arguments += [content] }
            if let status = changes.status { assignments.append("status = ?"); arguments += [status.rawValue] }
            arguments += [id.lowercasedString, tenantID.lowercasedString, expectedVersion]
            // One of eight statements (which fields change), each prepared once.
            try db.cachedStatement(sql: "UPDATE posts SET \(assignments.joined(separator: ", ")) WHERE id = ? AND tenant_id = ? AND version = ?")
                .execute(arguments: arguments)
            guard db.changesCount == 1 else { return nil }
            return try Row.fetchOne(db.cachedStatement(sql: "\(Self.selectPosts) WHERE id = ?"), arguments: [id.lowercasedString], reading: Self.post)
        }
    }

    func delete(id: UUID, tenantID: UUID, expectedVersion: Int) async throws -> Bool {
        try await database.write { db in
            try db.cachedStatement(sql: "DELETE FROM posts WHERE id = ? AND tenant_id = ? AND version = ?").execute(
                arguments: [id.lowercasedString, tenantID.lowercasedString, expectedVersion])
            return db.changesCount == 1
        }
    }

    /// Every read of posts starts so (made once: the list's statement is looked up by its text).
    static let selectPosts = "SELECT \(PostColumn.selectList) FROM posts"

    /// What every read of a post selects, in this order.
    enum PostColumn: Int, SelectedColumn {
        case id, tenantID, authorID, title, content, status, version, createdAt, updatedAt

        var columnName: String {
            switch self {
            case .id: "id"
            case .tenantID: "tenant_id"
            case .authorID: "author_id"
            case .title: "title"
            case .content: "content"
            case .status: "status"
            case .version: "version"
            case .createdAt: "created_at"
            case .updatedAt: "updated_at"
            }
        }
    }

    static func post(_ row: Row) throws -> Post {
        try Post(
            id: row.uuid(PostColumn.id), tenantID: row.uuid(PostColumn.tenantID), authorID: row.uuid(PostColumn.authorID),
            title: row.required(PostColumn.title), content: row.required(PostColumn.content), status: row.enumeration(PostColumn.status),
            version: row.required(PostColumn.version), createdAt: row.date(PostColumn.createdAt), updatedAt: row.date(PostColumn.updatedAt))
    }
}
