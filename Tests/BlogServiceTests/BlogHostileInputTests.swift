import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import BlogService

/// What an attacker sends to the blog service, and how it is refused (the hardening issue's findings
/// 1, 4 and 11).
@Suite struct BlogHostileInputTests {
    /// Finding 4: a search term is at most 200 characters and holds no control character.
    @Test func theSearchTermIsBounded() async throws {
        let harness = BlogTestHarness()
        try await harness.test { client in
            let token = try await harness.token(harness.identity())
            let tooLong = try await client.send(.get, "/v1/posts?q=\(String(repeating: "a", count: 201))", token: token)
            #expect(tooLong.status == .badRequest)
            #expect(tooLong.error?.details?.map(\.field) == ["q"])
            let withNUL = try await client.send(.get, "/v1/posts?q=a%00b", token: token)
            #expect(withNUL.status == .badRequest)
            #expect(withNUL.error?.details?.map(\.field) == ["q"])
            #expect(try await client.send(.get, "/v1/posts?q=\(String(repeating: "a", count: 200))", token: token).status == .ok)
        }
    }

    /// Every bad query parameter is named in one 400 (`QueryReader`), not only the first.
    @Test func oneRefusalNamesEveryBadParameter() async throws {
        let harness = BlogTestHarness()
        try await harness.test { client in
            let token = try await harness.token(harness.identity())
            let response = try await client.send(.get, "/v1/posts?limit=0&author=someone&status=archived&q=a%07", token: token)
            #expect(response.status == .badRequest)
            #expect(response.error?.details?.map(\.field) == ["limit", "author", "status", "q"])
            #expect(response.error?.details?.first { $0.field == "status" }?.message == "must be draft or published")
        }
    }

    /// Finding 4: no single request holds the database for long; a statement past the time limit is
    /// stopped and answered 503, and the next request is served as usual.
    @Test func aSlowSearchIsStoppedAtTheStatementTimeLimit() async throws {
        var setup = BlogTestHarness()
        setup.statementTimeout = .milliseconds(50)
        let harness = setup
        try await harness.test { client in
            let token = try await harness.token(harness.identity())
            let long = String(repeating: "a", count: 100_000)
            for _ in 0..<60 { _ = try await client.createPost(token: token, title: "Long", content: long) }
            // Each row costs content × pattern character comparisons, and nothing matches.
            let pattern = String(repeating: "a", count: 199) + "b"
            let slow = try await client.send(.get, "/v1/posts?q=\(pattern)", token: token)
            #expect(slow.status == .serviceUnavailable)
            #expect(slow.error?.code == .unavailable)
            #expect(slow.headers[.retryAfter] != nil)
            #expect(try await client.send(.get, "/v1/posts?limit=1", token: token).status == .ok)
        }
    }

    /// Finding 9: a revocation list the service cannot refresh shows in `/readyz` (still ready: tokens
    /// are verified with the last list) and in the metrics.
    @Test func aStaleRevocationListShowsInReadiness() async throws {
        var setup = BlogTestHarness()
        setup.revocationsURL = URL(string: "http://127.0.0.1:\(freeLoopbackPort())/.well-known/revocations")!
        setup.revocationPollInterval = .milliseconds(50)
        let harness = setup
        try await harness.testWithAuthServer { client, _ in
            var warnings: [String] = []
            for _ in 0..<200 where warnings.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
                let ready = try await client.send(.get, "/readyz")
                #expect(ready.status == .ok)
                warnings = ((try? JSONSerialization.jsonObject(with: Data(buffer: ready.body))) as? [String: Any])?["warnings"] as? [String] ?? []
            }
            #expect(warnings.first?.contains("revocation list") == true)
            #expect(try await client.send(.get, "/metrics").text.contains("token_revocations_age_seconds"))
        }
    }

    /// Finding 1: stored texts refuse NUL and, in a title, any control character; content keeps its lines.
    @Test func postTextsRefuseControlCharacters() async throws {
        let harness = BlogTestHarness()
        try await harness.test { client in
            let token = try await harness.token(harness.identity())
            let bad = try await client.send(.post, "/v1/posts", token: token, body: json(["title": "Hi\u{1B}[31m", "content": "a\u{0}b"]))
            #expect(bad.status == .badRequest)
            #expect(Set(bad.error?.details?.map(\.field) ?? []) == ["title", "content"])
            let post = try await client.createPost(token: token, title: "Lines", content: "one\ntwo\r\n\tthree")
            #expect(post.content == "one\ntwo\r\n\tthree")
        }
    }

    /// An `If-Match` that is not entity tags is a 400 naming it, before anything is compared.
    @Test func aMalformedIfMatchIsRefused() async throws {
        let harness = BlogTestHarness()
        try await harness.test { client in
            let token = try await harness.token(harness.identity())
            let post = try await client.createPost(token: token)
            for method in [HTTPRequest.Method.patch, .delete] {
                let response = try await client.send(
                    method, "/v1/posts/\(post.id)", token: token, body: method == .patch ? json(["title": "T"]) : nil,
                    headers: [.ifMatch: "\"1\"\u{84}"])
                #expect(response.status == .badRequest, "\(method)")
                #expect(response.error?.details?.map(\.field) == ["If-Match"])
            }
            #expect(try await client.send(.delete, "/v1/posts/\(post.id)", token: token, headers: [.ifMatch: "\"1\""]).status == .noContent)
        }
    }

    /// A stored row that cannot be read (an unknown status, an author id that is not a UUID) is an
    /// error, answered 500 and logged, never read as a default.
    @Test func anUnreadableRowIsAnErrorNotADefault() async throws {
        let harness = BlogTestHarness()
        let token = try await harness.token(harness.identity(.admin))
        let post = try await harness.test { client in try await client.createPost(token: token) }
        let database = try openSQLiteDatabase(path: harness.databasePath)
        for damage in ["UPDATE posts SET status = 'archived'", "UPDATE posts SET status = 'published', author_id = 'not-a-uuid'"] {
            // A row as a damaged file or another version could leave it (the CHECK constraint set aside).
            try await database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA ignore_check_constraints = ON; " + damage) }
            try await harness.test { client in
                let read = try await client.send(.get, "/v1/posts/\(post.id)", token: token)
                #expect(read.status == .internalServerError, "\(damage): \(read.text)")
                #expect(read.error?.code == .internal)
                #expect(try await client.send(.get, "/v1/posts", token: token).status == .internalServerError)
            }
        }
        #expect(harness.logs.lines.contains { $0.contains("Unhandled error") && $0.contains("stored value of") })
    }

    /// Finding 11: a delete removes only the version it checked; a post changed in between stays.
    @Test func aDeleteRemovesOnlyTheVersionItChecked() async throws {
        let harness = BlogTestHarness()
        let post = try await harness.test { client in
            let token = try await harness.token(harness.identity())
            return try await client.createPost(token: token)
        }
        let repository = SQLitePostRepository(database: try openSQLiteDatabase(path: harness.databasePath))
        let tenant = try #require(UUID(uuidString: post.tenantId))
        let id = try #require(UUID(uuidString: post.id))
        _ = try await repository.update(id: id, tenantID: tenant, expectedVersion: 1, changes: PostChanges(title: "Changed"), at: Date())
        #expect(try await repository.delete(id: id, tenantID: tenant, expectedVersion: 1) == false)
        #expect(try await repository.find(id: id, tenantID: tenant)?.title == "Changed")
        #expect(try await repository.delete(id: id, tenantID: tenant, expectedVersion: 2) == true)
    }
}
