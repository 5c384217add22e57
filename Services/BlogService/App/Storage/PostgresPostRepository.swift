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
    /// Pages of the list without an author or a text: those of concurrent requests share a statement,
    /// each group read on the event loops in turn (its answer is up to 32 pages). On 32 connections
    /// (`COMPARE_DATABASE=postgres Benchmarks/compare.sh blog-list`, three pairs): lists a second +16 %,
    /// the blog's CPU a list −21 % and PostgreSQL's −32 % (medians). A group shares one statement time
    /// limit: a text search, which reads every post of its tenant, runs alone so that it never takes a
    /// group past it.
    let pages: PostgresGroupedStatements<PageAsked, [Post]>
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
        self.pages = PostgresGroupedStatements(database, spreadsGroupsOverLoops: true) { connection, asked in
            try await Self.pages(asked, on: connection, logger: logger)
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
    static let columnNames = ["id", "tenant_id", "author_id", "title", "content", "status", "version", "created_at", "updated_at"]
    static let columns = columnNames.joined(separator: ", ")

    /// A keyset walk down `posts_by_tenant_and_creation` (or, for one author's posts,
    /// `posts_by_tenant_author_and_creation`), as in SQLite (`ILIKE`: SQLite's `LIKE` ignores case).
    /// Prepared: a filter left out is a null value, and the first page starts after `KeysetCursor.top`.
    /// Without an author or a text, the pages asked for at once share a statement (`pages`).
    func list(tenantID: UUID, filter: PostListFilter, page: PageRequest) async throws -> [Post] {
        let after = page.after ?? .top
        let readersOwnDrafts: UUID? = if case .author(let reader) = filter.draftsVisibleTo { reader } else { nil }
        let asked = PageAsked(
            tenantID: tenantID, after: after.timestamp, afterID: try after.uuid(), status: filter.status, readersOwnDrafts: readersOwnDrafts,
            limit: page.limit + 1)
        let pattern = filter.text.map(LikePattern.containing)
        let posts = PostgresAccess.pool(database)
        if let author = filter.author {
            let statement = Prepared<ListPostsOfAuthor> { asked.bind(&$0, pattern: pattern); $0.append(author) }
            return try await posts.allRows(statement, logger: logger, reading: Self.post)
        }
        if pattern != nil {
            // A text search reads every text of the tenant: alone, never holding up a group.
            return try await posts.allRows(Prepared<ListPosts> { asked.bind(&$0, pattern: pattern) }, logger: logger, reading: Self.post)
        }
        return try await pages.run(asked)
    }

    /// A page of a tenant's posts, as the list asks for it (the author and text apart).
    struct PageAsked: Sendable {
        let tenantID: UUID
        let after: Int64
        let afterID: UUID
        let status: Post.Status?
        let readersOwnDrafts: UUID?
        let limit: Int

        /// The values of `ListPosts` (of `ListPostsOfAuthor` but its last), in the order of their numbers.
        func bind(_ values: inout PostgresValues, pattern: String?) {
            values.append(tenantID); values.append(after); values.append(afterID)
            values.append(status?.rawValue); values.append(readersOwnDrafts)
            values.append(pattern); values.append(limit)
        }
    }

    /// The page each of `asked` is, in their order: `ListPosts` for one, `ListPages` for several.
    static func pages(_ asked: [PageAsked], on connection: PostgresConnection, logger: Logger) async throws -> [[Post]] {
        if asked.count == 1 {
            return [try await connection.allRows(Prepared<ListPosts> { asked[0].bind(&$0, pattern: nil) }, logger: logger, reading: Self.post)]
        }
        let statement = Prepared<ListPages> {
            $0.append(asked.map(\.tenantID)); $0.append(asked.map(\.after)); $0.append(asked.map(\.afterID))
            $0.append(asked.map { $0.status?.rawValue ?? "" }); $0.append(asked.map { $0.readersOwnDrafts == nil })
            $0.append(asked.map { $0.readersOwnDrafts ?? $0.tenantID }); $0.append(asked.map(\.limit))
        }
        let rows = try await connection.allRows(statement, logger: logger) { row in
            var reader = PostgresRowReader(row)
            return (place: try reader.int("place"), post: try Self.post(&reader))
        }
        var pages = [[Post]](repeating: [], count: asked.count)
        for row in rows where (1...asked.count).contains(row.place) { pages[row.place - 1].append(row.post) }
        return pages
    }

    /// Pages of posts, each as `ListPosts` reads it: the values are arrays, a page's at the same place in
    /// each ($1 tenant, $2 and $3 the cursor, $4 status or '' for any, $5 whether every draft is shown,
    /// $6 else the reader whose drafts are (any id when $5), $7 the limit). Each page is a walk down
    /// `posts_by_tenant_and_creation` of its own (`LATERAL`), its rows after its place, newest first.
    enum ListPages: FixedPostgresStatement {
        static let sql = """
            SELECT asked.place, \(joinedColumns(columnNames, of: "p"))
            FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::boolean[], $6::uuid[], $7::bigint[])
            WITH ORDINALITY AS asked (tenant_id, after_time, after_id, status, all_drafts, reader, row_limit, place)
            CROSS JOIN LATERAL (
                SELECT \(columns) FROM posts WHERE tenant_id = asked.tenant_id AND (created_at, id) < (asked.after_time, asked.after_id)
                AND (asked.status = '' OR status = asked.status)
                AND (asked.all_drafts OR status = 'published' OR author_id = asked.reader)
                ORDER BY created_at DESC, id DESC LIMIT asked.row_limit
            ) p
            ORDER BY asked.place, p.created_at DESC, p.id DESC
            """
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
        var reader = PostgresRowReader(row)
        return try post(&reader)
    }

    /// A post from the next cells of `row`, those of `columns` in their order.
    static func post(_ row: inout PostgresRowReader) throws -> Post {
        try Post(
            id: row.uuid("id"), tenantID: row.uuid("tenant_id"), authorID: row.uuid("author_id"), title: row.text("title"),
            content: row.text("content"), status: row.enumeration("status"), version: row.int("version"),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }
}
