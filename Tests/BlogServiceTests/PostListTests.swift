import DatabaseKit
import Foundation
import GRDB
import HummingbirdTesting
import ServiceKit
import Testing
import ServiceTestSupport
import TokenVerification

@testable import BlogService

@Suite struct PostListTests {
    let harness = BlogTestHarness()

    /// 45 posts in pages of 20, with posts created between the pages: every one of the 45 exactly
    /// once, newest first; the new ones (newer than the walk's start) do not shift the pages.
    @Test func walkingPagesWhileOthersPostMissesNothingAndRepeatsNothing() async throws {
        let token = try await harness.token(harness.identity())
        let other = try await harness.token(harness.identity())
        try await harness.test { client in
            var created: [String] = []
            for index in 0..<45 {
                created.append(try await client.createPost(token: token, title: "Post \(index)").id)
            }
            var seen: [PostResponse] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = cursor.map { "?limit=20&cursor=\($0)" } ?? "?limit=20"
                let page = try await client.send(.get, "/v1/posts\(query)", token: token).decode(Page<PostResponse>.self)
                seen += page.items
                cursor = page.nextCursor
                pages += 1
                _ = try await client.createPost(token: other, title: "Interloper \(pages)")
            } while cursor != nil
            #expect(pages == 3)
            #expect(seen.count == 45 && Set(seen.map(\.id)) == Set(created), "no gap, no duplicate, no interloper")
            let order = seen.map { ($0.createdAt, $0.id) }
            #expect(zip(order, order.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }, "newest first (ties by id)")
        }
    }

    @Test func theDefaultPageIs20AndTheLastPageSaysSo() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            for index in 0..<21 { _ = try await client.createPost(token: token, title: "P\(index)") }
            let first = try await client.send(.get, "/v1/posts", token: token).decode(Page<PostResponse>.self)
            #expect(first.items.count == 20)
            let second = try await client.send(.get, "/v1/posts?cursor=\(try #require(first.nextCursor))", token: token)
            #expect(String(buffer: second.body).contains(#""next_cursor":null"#))
            #expect(try second.decode(Page<PostResponse>.self).items.map(\.title) == ["P0"])
            for bad in ["limit=0", "limit=101", "limit=x", "cursor=%21%21", "author=nobody", "status=archived"] {
                let response = try await client.send(.get, "/v1/posts?\(bad)", token: token)
                #expect(response.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func theFiltersNarrowTheList() async throws {
        let ann = harness.identity()
        let bob = harness.identity()
        let annToken = try await harness.token(ann)
        let bobToken = try await harness.token(bob)
        let moderator = try await harness.token(harness.identity(.moderator))
        try await harness.test { client in
            _ = try await client.createPost(token: annToken, title: "Swift on the server", content: "Hummingbird")
            _ = try await client.createPost(token: annToken, title: "Draft about SQLite", content: "WAL mode", status: .draft)
            _ = try await client.createPost(token: bobToken, title: "Gardening", content: "Tomatoes and swift growth")
            _ = try await client.createPost(token: bobToken, title: "Bob's draft", content: "secret", status: .draft)

            func titles(_ query: String, _ token: String) async throws -> [String] {
                try await client.send(.get, "/v1/posts?\(query)", token: token).decode(Page<PostResponse>.self).items.map(\.title)
            }
            #expect(try await titles("author=\(ann.userID.lowercasedString)", bobToken) == ["Swift on the server"], "Bob sees Ann's published only")
            #expect(try await titles("author=\(ann.userID.lowercasedString)", annToken) == ["Draft about SQLite", "Swift on the server"])
            #expect(try await titles("status=draft", annToken) == ["Draft about SQLite"], "a user's drafts are their own")
            #expect(try await titles("status=draft", moderator) == ["Bob's draft", "Draft about SQLite"])
            #expect(try await titles("status=published", moderator) == ["Gardening", "Swift on the server"])
            #expect(try await titles("q=swift", bobToken) == ["Gardening", "Swift on the server"], "title or content, any case")
            #expect(try await titles("q=WAL", bobToken) == [], "another's draft is not found by search either")
            #expect(try await titles("q=WAL", annToken) == ["Draft about SQLite"])
            #expect(try await titles("q=swift&author=\(bob.userID.lowercasedString)", bobToken) == ["Gardening"])
        }
    }

    /// The list is a walk down `(tenant_id, created_at, id)`: no table scan, no sort, whatever the filters.
    @Test func theListQueryIsServedByTheTenantCreationIndex() async throws {
        let database = try openSQLiteDatabase(path: harness.databasePath)
        let page = PageRequest(limit: 20, after: KeysetCursor(timestamp: 1_795_000_000_000, id: UUID().lowercasedString))
        let filters = [
            PostListFilter(author: nil, status: nil, text: nil, draftsVisibleTo: .everyone),
            PostListFilter(author: nil, status: .published, text: "swift", draftsVisibleTo: .author(UUID())),
        ]
        for filter in filters {
            let (sql, arguments) = SQLitePostRepository.listQuery(tenantID: UUID(), filter: filter, page: page)
            let plan = try await database.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("USING INDEX posts_by_tenant_and_creation (tenant_id=? AND (created_at,id)<(?,?))") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "no sort: \(plan)")
        }
        let (sql, arguments) = SQLitePostRepository.listQuery(
            tenantID: UUID(), filter: PostListFilter(author: UUID(), status: nil, text: nil, draftsVisibleTo: .everyone), page: PageRequest())
        let plan = try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX posts_by_tenant_author_and_creation") } && !plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
    }
}
