import DatabaseKit
import Foundation
import PostgresNIO
import ServiceKit

/// Posts in PostgreSQL.
struct PostgresPostRepository: PostRepository {
    let database: PostgreSQLDatabase
    let logger: Logger
    /// New posts: those of concurrent requests share a statement.
    let creates: PostgresGroupCommit<Post>
    /// Posts read by id: those of concurrent requests share a statement. A read by id on 32 connections
    /// (`COMPARE_DATABASE=postgres Benchmarks/compare.sh blog-get`, three pairs): +42 to +85 % reads a
    /// second, the blog's CPU a read −45 % and PostgreSQL's −61 % (medians).
    let finds: PostgresGroupedStatements<PostKey, Post?>

    /// A post asked for: its id in the caller's tenant.
    struct PostKey: Sendable {
        let id: UUID
        let tenantID: UUID
    }

    init(database: PostgreSQLDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
        self.creates = PostgresGroupCommit(database) { connection, posts in
            if posts.count == 1 {
                try await connection.run(Self.insert(posts[0]), logger: logger)
            } else {
                try await connection.run(Self.insert(posts), logger: logger)
            }
        }
        self.finds = PostgresGroupedStatements(database) { connection, keys in
            try await Self.find(keys, on: connection, logger: logger)
        }
    }

    func create(_ post: Post) async throws {
        try await creates.write(post)
    }

    static func insert(_ post: Post) -> Prepared<InsertPost> {
        Prepared<InsertPost> {
            $0.append(post.id); $0.append(post.tenantID); $0.append(post.authorID)
            $0.append(post.title); $0.append(post.content); $0.append(post.status.rawValue); $0.append(post.version)
            $0.append(post.createdAt.millisecondsSince1970); $0.append(post.updatedAt.millisecondsSince1970)
        }
    }

    enum InsertPost: FixedPostgresStatement {
        static let sql = "INSERT INTO posts (\(columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    }

    /// Several posts in one statement: a column an array.
    static func insert(_ posts: [Post]) -> Prepared<InsertPosts> {
        Prepared<InsertPosts> {
            $0.append(posts.map(\.id)); $0.append(posts.map(\.tenantID)); $0.append(posts.map(\.authorID))
            $0.append(posts.map(\.title)); $0.append(posts.map(\.content)); $0.append(posts.map(\.status.rawValue))
            $0.append(posts.map(\.version)); $0.append(posts.map(\.createdAt.millisecondsSince1970))
            $0.append(posts.map(\.updatedAt.millisecondsSince1970))
        }
    }

    enum InsertPosts: FixedPostgresStatement {
        static let sql = """
            INSERT INTO posts (\(columns))
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::bigint[], $9::bigint[])
            """
    }

    func find(id: UUID, tenantID: UUID) async throws -> Post? {
        try await finds.run(PostKey(id: id, tenantID: tenantID))
    }

    /// The post each of `keys` names in its tenant, in their order (nil where there is none): one
    /// statement for them all.
    static func find(_ keys: [PostKey], on connection: PostgresConnection, logger: Logger) async throws -> [Post?] {
        let found = try await connection.rows(Prepared<FindPosts> { $0.append(keys.map(\.id)) }, logger: logger, reading: Self.post)
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return keys.map { key in byID[key.id].flatMap { $0.tenantID == key.tenantID ? $0 : nil } }
    }

    /// Posts by id, by the primary key alone: each row's tenant is checked against the caller's as it is
    /// answered. A statement that matched the tenant too could be planned on an index that leads with
    /// the tenant (as a generic plan was, on a table of many small tenants), and would then walk a large
    /// tenant's posts for each id.
    enum FindPosts: FixedPostgresStatement {
        static let sql = "SELECT \(columns) FROM posts WHERE id = ANY($1::uuid[])"
    }

    /// The columns `post(_:)` reads, in its order.
    static let columns = "id, tenant_id, author_id, title, content, status, version, created_at, updated_at"

    /// A keyset walk down `posts_by_tenant_and_creation` (or, for one author's posts,
    /// `posts_by_tenant_author_and_creation`), as in SQLite (`ILIKE`: SQLite's `LIKE` ignores case).
    /// Prepared: a filter left out is a null value, and the first page starts after `KeysetCursor.top`.
    func list(tenantID: UUID, filter: PostListFilter, page: PageRequest) async throws -> [Post] {
        let after = page.after ?? .top
        let afterID = try after.uuid()
        let readersOwnDrafts: UUID? = if case .author(let reader) = filter.draftsVisibleTo { reader } else { nil }
        func bind(_ values: inout PostgresValues) {
            values.append(tenantID); values.append(after.timestamp); values.append(afterID)
            values.append(filter.status?.rawValue); values.append(readersOwnDrafts)
            values.append(filter.text.map(LikePattern.containing)); values.append(page.limit + 1)
        }
        let posts = PostgresAccess.pool(database)
        return if let author = filter.author {
            try await posts.allRows(Prepared<ListPostsOfAuthor> { bind(&$0); $0.append(author) }, logger: logger, reading: Self.post)
        } else {
            try await posts.allRows(Prepared<ListPosts>(bind), logger: logger, reading: Self.post)
        }
    }

    /// A page of a tenant's posts, newest first. The author is a statement of its own, not a null
    /// value, so that its plan (made once for every value) walks the author's index.
    enum ListPosts: FixedPostgresStatement {
        static let sql = listSQL(author: "")
    }

    enum ListPostsOfAuthor: FixedPostgresStatement {
        static let sql = listSQL(author: " AND author_id = $8")
    }

    /// The values: $1 tenant, $2 and $3 the cursor, $4 status, $5 the reader whose drafts are shown
    /// besides the published posts, $6 the text's `ILIKE` pattern, $7 the limit, $8 the author.
    static func listSQL(author: String) -> String {
        """
        SELECT \(columns) FROM posts WHERE tenant_id = $1 AND (created_at, id) < ($2, $3)\(author)
        AND ($4::text IS NULL OR status = $4)
        AND ($5::uuid IS NULL OR status = 'published' OR author_id = $5)
        AND ($6::text IS NULL OR title ILIKE $6 ESCAPE '\\' OR content ILIKE $6 ESCAPE '\\')
        ORDER BY created_at DESC, id DESC LIMIT $7
        """
    }

    func update(id: UUID, tenantID: UUID, expectedVersion: Int, changes: PostChanges, at date: Date) async throws -> Post? {
        var statement = PostgresStatement("UPDATE posts SET version = version + 1, updated_at = ")
        statement.append(statement.bind(date.millisecondsSince1970))
        if let title = changes.title { statement.append(", title = \(statement.bind(title))") }
        if let content = changes.content { statement.append(", content = \(statement.bind(content))") }
        if let status = changes.status { statement.append(", status = \(statement.bind(status.rawValue))") }
        let (idPlaceholder, tenant, version) = (statement.bind(id), statement.bind(tenantID), statement.bind(expectedVersion))
        statement.append(" WHERE id = \(idPlaceholder) AND tenant_id = \(tenant) AND version = \(version) RETURNING \(Self.columns)")
        let query = statement.query
        return try await database.withConnection { [logger] connection in
            try await connection.query(query, logger: logger).collect().first.map(Self.post)
        }
    }

    func delete(id: UUID, tenantID: UUID, expectedVersion: Int) async throws -> Bool {
        try await database.withConnection { [logger] connection in
            try await connection.run(
                "DELETE FROM posts WHERE id = \(id) AND tenant_id = \(tenantID) AND version = \(expectedVersion) RETURNING id", logger: logger) == 1
        }
    }

    /// A post from a row of `columns`, read in their order (`PostgresRowReader`).
    @Sendable static func post(_ row: PostgresRow) throws -> Post {
        var row = PostgresRowReader(row)
        return try Post(
            id: row.uuid("id"), tenantID: row.uuid("tenant_id"), authorID: row.uuid("author_id"), title: row.text("title"),
            content: row.text("content"), status: row.enumeration("status"), version: row.int("version"),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }
}
