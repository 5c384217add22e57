import DatabaseKit
import Foundation
import Logging
import ServiceKit
import ServiceTestSupport
import Testing

@testable import BlogService

/// Runs `body` on a fresh post store of `kind`: SQLite in a temporary file, or a schema of its own on
/// the test PostgreSQL server.
func withPostStore(
    _ kind: StoreKind, statementTimeout: Duration = .seconds(5), _ body: @escaping @Sendable (any PostRepository) async throws -> Void
) async throws {
    switch kind {
    case .sqlite:
        try await withTemporaryFolder("post-store") { folder in
            try await body(SQLitePostRepository(database: try openSQLiteDatabase(path: folder + "blog.sqlite", statementTimeout: statementTimeout)))
        }
    case .postgres:
        try await TestPostgres.withDatabase(name: "blog", migrations: BlogSchema.postgres, statementTimeout: statementTimeout) { database in
            try await body(PostgresPostRepository(database: database, logger: Logger(label: "test")))
        }
    }
}

/// Runs `body` with two post stores of `kind` on one fresh database: the first under the usual
/// statement time limit, to fill it, and the second under `statementTimeout`, so that only what the
/// test times is held to that limit (a busy machine may take longer than it to write a row).
func withPostStores(
    _ kind: StoreKind, limitedTo statementTimeout: Duration,
    _ body: @escaping @Sendable (_ filling: any PostRepository, _ limited: any PostRepository) async throws -> Void
) async throws {
    switch kind {
    case .sqlite:
        try await withTemporaryFolder("post-store") { folder in
            let filling = try openSQLiteDatabase(path: folder + "blog.sqlite")
            let limited = try openSQLiteDatabase(path: folder + "blog.sqlite", statementTimeout: statementTimeout)
            try await body(SQLitePostRepository(database: filling), SQLitePostRepository(database: limited))
        }
    case .postgres:
        try await TestPostgres.withDatabases(name: "blog", migrations: BlogSchema.postgres, statementTimeouts: [.seconds(5), statementTimeout]) {
            databases in
            let logger = Logger(label: "test")
            try await body(PostgresPostRepository(database: databases[0], logger: logger), PostgresPostRepository(database: databases[1], logger: logger))
        }
    }
}

/// What every post store must do, whatever the database: one suite, run on each store.
@Suite struct PostStoreContractTests {
    static let epoch: Int64 = 1_795_000_000_000

    static func post(
        tenant: UUID, author: UUID = UUID(), title: String = "Title", content: String = "Content", status: Post.Status = .published, at offset: Int64 = 0
    ) -> Post {
        let date = Date(millisecondsSince1970: epoch + offset)
        return Post(id: UUID(), tenantID: tenant, authorID: author, title: title, content: content, status: status, version: 1, createdAt: date, updatedAt: date)
    }

    static let everything = PostListFilter(author: nil, status: nil, text: nil, draftsVisibleTo: .everyone)

    /// Posts created at once share writes (a transaction on SQLite, a statement on PostgreSQL): each is
    /// stored as it was sent, every field in its column, and found by its id.
    @Test(arguments: StoreKind.available)
    func postsCreatedAtOnceAreEachStoredAsSent(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let tenant = UUID()
            let sent = (0..<64).map { index in
                var post = Self.post(
                    tenant: tenant, title: "Title \(index)", content: "Content \(index) ünïcode", status: index.isMultiple(of: 3) ? .draft : .published,
                    at: Int64(index))
                post.version = index + 1  // every column's value its own, so that two swapped columns show
                post.updatedAt = Date(millisecondsSince1970: Self.epoch + 1_000 + Int64(index))
                return post
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for post in sent { group.addTask { try await posts.create(post) } }
                try await group.waitForAll()
            }
            for post in sent { #expect(try await posts.find(id: post.id, tenantID: tenant) == post) }
        }
    }

    /// Posts read at once share statements on PostgreSQL: each caller has the post its id names in its
    /// own tenant, and none for another tenant's post or an id that names nothing.
    @Test(arguments: StoreKind.available)
    func postsReadAtOnceAreEachTheirCallersOwn(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let (tenant, other) = (UUID(), UUID())
            let sent = (0..<48).map { index in Self.post(tenant: index.isMultiple(of: 2) ? tenant : other, title: "Title \(index)", at: Int64(index)) }
            for post in sent { try await posts.create(post) }
            // Each post asked for in its tenant (twice), in the other tenant, and an id of nothing.
            var asked: [(id: UUID, tenant: UUID, expected: Post?)] = []
            for post in sent {
                asked.append((post.id, post.tenantID, post))
                asked.append((post.id, post.tenantID, post))
                asked.append((post.id, post.tenantID == tenant ? other : tenant, nil))
                asked.append((UUID(), post.tenantID, nil))
            }
            let answers = try await withThrowingTaskGroup(of: (Int, Post?).self) { group in
                for (index, ask) in asked.enumerated() {
                    group.addTask { (index, try await posts.find(id: ask.id, tenantID: ask.tenant)) }
                }
                return try await group.reduce(into: [Int: Post?]()) { $0[$1.0] = $1.1 }
            }
            #expect(answers.count == asked.count)
            for (index, ask) in asked.enumerated() { #expect(answers[index] == ask.expected, "ask \(index)") }
        }
    }

    @Test(arguments: StoreKind.available)
    func postsAreConfinedToTheirTenant(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let (tenant, other) = (UUID(), UUID())
            let post = Self.post(tenant: tenant)
            try await posts.create(post)
            #expect(try await posts.find(id: post.id, tenantID: tenant) == post)
            #expect(try await posts.find(id: post.id, tenantID: other) == nil)
            #expect(try await posts.list(tenantID: other, filter: Self.everything, page: PageRequest()).isEmpty)
            #expect(try await posts.update(id: post.id, tenantID: other, expectedVersion: 1, changes: PostChanges(title: "x"), at: Date()) == nil)
            #expect(try await posts.delete(id: post.id, tenantID: other, expectedVersion: 1) == false)
            #expect(try await posts.find(id: post.id, tenantID: tenant) == post)
        }
    }

    /// A list past the statement time limit fails as the database unavailable (the contract's 503), never
    /// with the rows read so far, and the next list is served as usual (on PostgreSQL, its connection
    /// was closed: the pool opens another).
    @Test(arguments: StoreKind.available)
    func aListPastTheTimeLimitIsUnavailableAndTheNextIsServed(kind: StoreKind) async throws {
        try await withPostStores(kind, limitedTo: .milliseconds(50)) { filling, posts in
            let tenant = UUID()
            let long = String(repeating: "a", count: 100_000)
            for offset in 0..<60 { try await filling.create(Self.post(tenant: tenant, content: long, at: Int64(offset))) }
            // Each row costs content × pattern character comparisons, and nothing matches.
            let slow = PostListFilter(author: nil, status: nil, text: String(repeating: "a", count: 199) + "b", draftsVisibleTo: .everyone)
            do {
                let found = try await posts.list(tenantID: tenant, filter: slow, page: PageRequest())
                Issue.record("the list was not stopped: \(found.count) posts")
            } catch {
                #expect((error as? any ContractErrorConvertible)?.appError?.code == .unavailable, "\(error)")
            }
            let next = try await posts.list(tenantID: tenant, filter: Self.everything, page: PageRequest(limit: 1))
            #expect(next.first?.tenantID == tenant)  // the page and the one past it (whether there is a next page)
        }
    }

    @Test(arguments: StoreKind.available)
    func theListWalksNewestFirstWithFilters(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let tenant = UUID()
            let (ann, bob) = (UUID(), UUID())
            let stored = [
                Self.post(tenant: tenant, author: ann, title: "Swift on the server", at: 1),
                Self.post(tenant: tenant, author: bob, title: "Drafty", status: .draft, at: 2),
                Self.post(tenant: tenant, author: ann, title: "Ann's draft", status: .draft, at: 3),
                Self.post(tenant: tenant, author: bob, title: "100% sure", at: 4),
                Self.post(tenant: tenant, author: bob, title: "Postgres", content: "about SWIFT too", at: 5),
            ]
            for post in stored { try await posts.create(post) }
            let first = try await posts.list(tenantID: tenant, filter: Self.everything, page: PageRequest(limit: 2))
            #expect(first.map(\.id) == [stored[4].id, stored[3].id, stored[2].id])
            let cursor = KeysetCursor(date: first[1].createdAt, id: first[1].id.lowercasedString)
            let rest = try await posts.list(tenantID: tenant, filter: Self.everything, page: PageRequest(limit: 2, after: cursor))
            #expect(rest.map(\.id) == [stored[2].id, stored[1].id, stored[0].id])

            var filter = Self.everything
            filter.author = ann
            #expect(try await posts.list(tenantID: tenant, filter: filter, page: PageRequest()).map(\.id) == [stored[2].id, stored[0].id])
            filter = Self.everything
            filter.status = .draft
            #expect(try await posts.list(tenantID: tenant, filter: filter, page: PageRequest()).map(\.id) == [stored[2].id, stored[1].id])
            filter = Self.everything
            filter.draftsVisibleTo = .author(ann)  // others' drafts are left out
            #expect(try await posts.list(tenantID: tenant, filter: filter, page: PageRequest()).map(\.id) == [stored[4].id, stored[3].id, stored[2].id, stored[0].id])
            filter = Self.everything
            filter.author = bob  // one author's posts, a page at a time
            let bobsFirst = try await posts.list(tenantID: tenant, filter: filter, page: PageRequest(limit: 1))
            #expect(bobsFirst.map(\.id) == [stored[4].id, stored[3].id])
            let bobsCursor = KeysetCursor(date: bobsFirst[0].createdAt, id: bobsFirst[0].id.lowercasedString)
            #expect(
                try await posts.list(tenantID: tenant, filter: filter, page: PageRequest(limit: 1, after: bobsCursor)).map(\.id)
                    == [stored[3].id, stored[1].id])
            filter = Self.everything
            filter.status = .draft
            filter.draftsVisibleTo = .author(ann)  // drafts asked for by a plain user: their own only
            #expect(try await posts.list(tenantID: tenant, filter: filter, page: PageRequest()).map(\.id) == [stored[2].id])
            filter = Self.everything
            filter.text = "swift"  // title or content, whatever the case
            #expect(try await posts.list(tenantID: tenant, filter: filter, page: PageRequest()).map(\.id) == [stored[4].id, stored[0].id])
            filter.text = "0%"  // % is literal
            #expect(try await posts.list(tenantID: tenant, filter: filter, page: PageRequest()).map(\.id) == [stored[3].id])
        }
    }

    /// Pages read at once share statements on PostgreSQL: each caller has the page it would have had
    /// alone, whatever the tenant, cursor, limit, status and drafts shown of the others in its group.
    @Test(arguments: StoreKind.available)
    func pagesReadAtOnceAreEachTheirCallersOwn(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let (tenants, authors) = ([UUID(), UUID()], [UUID(), UUID()])
            var stored: [Post] = []
            for index in 0..<40 {
                stored.append(Self.post(tenant: tenants[index % 2], author: authors[index / 2 % 2], status: index % 3 == 0 ? .draft : .published, at: Int64(index)))
            }
            for post in stored { try await posts.create(post) }
            var asked: [(tenant: UUID, filter: PostListFilter, page: PageRequest)] = []
            for tenant in tenants + [UUID()] {
                for status in [nil, Post.Status.draft, .published] {
                    for drafts in [PostListFilter.DraftVisibility.everyone, .author(authors[0])] {
                        for (limit, after) in [(5, nil), (3, stored[21]), (1, stored[30]), (20, stored[8])] {
                            let cursor = after.map { KeysetCursor(date: $0.createdAt, id: $0.id.lowercasedString) }
                            asked.append((tenant, PostListFilter(author: nil, status: status, text: nil, draftsVisibleTo: drafts), PageRequest(limit: limit, after: cursor)))
                        }
                    }
                }
            }
            // Each page alone first, then every page three times at once.
            var alone: [[Post]] = []
            for ask in asked { alone.append(try await posts.list(tenantID: ask.tenant, filter: ask.filter, page: ask.page)) }
            #expect(alone.contains { $0.count > 1 })
            let together = try await withThrowingTaskGroup(of: (Int, [Post]).self) { group in
                for (index, ask) in (asked + asked + asked).enumerated() {
                    group.addTask { (index, try await posts.list(tenantID: ask.tenant, filter: ask.filter, page: ask.page)) }
                }
                return try await group.reduce(into: [Int: [Post]]()) { $0[$1.0] = $1.1 }
            }
            #expect(together.count == 3 * asked.count)
            for (index, page) in together { #expect(page == alone[index % asked.count], "ask \(index % asked.count)") }
        }
    }

    @Test(arguments: StoreKind.available)
    func changesAndDeletionsNeedTheExpectedVersion(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let tenant = UUID()
            let post = Self.post(tenant: tenant)
            try await posts.create(post)
            let later = Date(millisecondsSince1970: Self.epoch + 9000)
            let updated = try #require(
                try await posts.update(id: post.id, tenantID: tenant, expectedVersion: 1, changes: PostChanges(title: "New", content: "Body", status: .draft), at: later))
            #expect(updated.version == 2 && updated.title == "New" && updated.content == "Body" && updated.status == .draft && updated.updatedAt == later)
            #expect(updated.createdAt == post.createdAt)
            #expect(try await posts.update(id: post.id, tenantID: tenant, expectedVersion: 1, changes: PostChanges(title: "Stale"), at: later) == nil)
            #expect(try await posts.find(id: post.id, tenantID: tenant)?.title == "New")
            #expect(try await posts.delete(id: post.id, tenantID: tenant, expectedVersion: 1) == false)
            #expect(try await posts.delete(id: post.id, tenantID: tenant, expectedVersion: 2))
            #expect(try await posts.find(id: post.id, tenantID: tenant) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentEditsOfOneVersion_exactlyOneWins(kind: StoreKind) async throws {
        try await withPostStore(kind) { posts in
            let tenant = UUID()
            for round in 0..<10 {
                let post = Self.post(tenant: tenant)
                try await posts.create(post)
                let winners = try await withThrowingTaskGroup(of: Int.self) { group in
                    for editor in 0..<4 {
                        group.addTask {
                            let result = try await posts.update(
                                id: post.id, tenantID: tenant, expectedVersion: 1, changes: PostChanges(title: "Editor \(editor)"), at: Date())
                            return result == nil ? 0 : 1
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(winners == 1, "round \(round)")
                #expect(try await posts.find(id: post.id, tenantID: tenant)?.version == 2)
            }
        }
    }
}
