import DatabaseKit
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceTestSupport
import Testing

@testable import BlogService

/// The list's statements are prepared, so PostgreSQL may run them on a generic plan: one plan made
/// once for every value, where a filter left out is a null value it cannot see. That plan must still
/// walk the list's index newest first (no sort, no scan of the tenant's every post); and the reads by
/// id that share a statement must find each post by its primary key.
@Suite struct PostgresListPlanTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func theGenericPlansWalkTheirIndexes(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "blog", migrations: BlogSchema.postgres, poolSize: 1) { database in
            try await database.withConnection { connection in
                func run(_ sql: String) async throws -> [String] {
                    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect().map { try $0.decode(String.self) }
                }
                let (tenant, author) = (UUID(), UUID())
                // Five tenants of 2,000 posts, ten authors each: enough that a scan would cost more.
                _ = try await run("""
                    INSERT INTO posts (id, tenant_id, author_id, title, content, status, version, created_at, updated_at)
                    SELECT gen_random_uuid(), CASE WHEN n % 5 = 0 THEN '\(tenant)'::uuid ELSE gen_random_uuid() END,
                        CASE WHEN n % 50 = 0 THEN '\(author)'::uuid ELSE gen_random_uuid() END, 'Title', 'Content',
                        CASE WHEN n % 3 = 0 THEN 'draft' ELSE 'published' END, 1, n, n
                    FROM generate_series(1, 10000) AS n
                    """)
                _ = try await run("ANALYZE posts")
                _ = try await run("SET plan_cache_mode = force_generic_plan")
                let top = KeysetCursor.top
                for (sql, index, author) in [
                    (PostgresPostRepository.ListPosts.sql, "posts_by_tenant_and_creation", ""),
                    (PostgresPostRepository.ListPostsOfAuthor.sql, "posts_by_tenant_author_and_creation", ", '\(author)'"),
                ] {
                    _ = try await run("PREPARE list_plan AS \(sql)")
                    let plan = try await run("EXPLAIN EXECUTE list_plan('\(tenant)', \(top.timestamp), '\(top.id)', NULL, NULL, NULL, 21\(author))")
                        .joined(separator: "\n")
                    _ = try await run("DEALLOCATE list_plan")
                    #expect(plan.contains("Index Scan Backward using \(index) on posts"), "\(plan)")
                    #expect(!plan.contains("Sort"), "\(plan)")
                    #expect(!plan.contains("Seq Scan"), "\(plan)")
                }
                // Pages read together: each walks the list's index newest first, sorted as a whole
                // only at the end (by the page each row is of).
                _ = try await run("PREPARE pages_plan AS \(PostgresPostRepository.ListPages.sql)")
                let pagesPlan = try await run("""
                    EXPLAIN EXECUTE pages_plan(ARRAY['\(tenant)', '\(UUID())']::uuid[], ARRAY[\(top.timestamp), \(top.timestamp)]::bigint[],
                        ARRAY['\(top.id)', '\(top.id)']::uuid[], ARRAY['', 'draft'], ARRAY[true, false], ARRAY['\(author)', '\(author)']::uuid[],
                        ARRAY[21, 21]::bigint[])
                    """).joined(separator: "\n")
                _ = try await run("DEALLOCATE pages_plan")
                #expect(pagesPlan.contains("Index Scan Backward using posts_by_tenant_and_creation on posts"), "\(pagesPlan)")
                let sortNodes = pagesPlan.split(separator: "\n").filter { $0.contains("Sort  (") }
                #expect(sortNodes.count == 1 && pagesPlan.split(separator: "\n")[0] == sortNodes[0], "\(pagesPlan)")  // the last, alone
                #expect(!pagesPlan.contains("Seq Scan"), "\(pagesPlan)")
                // Posts read by id together: by the primary key, never by a scan or an index that leads
                // with the tenant (this table of many small tenants and one large made a generic plan of
                // `id = $1 AND tenant_id = $2` take `posts_by_tenant_author_and_creation`).
                _ = try await run("PREPARE find_plan AS \(PostgresPostRepository.FindPosts.sql)")
                let ids = (0..<20).map { _ in "'\(UUID())'" }.joined(separator: ", ")
                let plan = try await run("EXPLAIN EXECUTE find_plan(ARRAY[\(ids)]::uuid[])").joined(separator: "\n")
                _ = try await run("DEALLOCATE find_plan")
                #expect(plan.contains("posts_pkey"), "\(plan)")
                #expect(!plan.contains("posts_by_"), "\(plan)")
                #expect(!plan.contains("Seq Scan"), "\(plan)")
            }
        }
    }
}
