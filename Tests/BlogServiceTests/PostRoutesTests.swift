import DatabaseKit
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceKit
import Testing
import ServiceTestSupport
import TokenVerification

@testable import BlogService

@Suite struct PostRoutesTests {
    let harness = BlogTestHarness()

    @Test func createReadUpdateAndDeleteAPost() async throws {
        let author = harness.identity()
        let token = try await harness.token(author)
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/posts", token: token, body: json(["title": "Hello", "content": "First post"]))
            #expect(created.status == .created)
            let post = try created.decode(PostResponse.self)
            #expect(created.headers[.location] == "/v1/posts/\(post.id)")
            #expect(created.headers[.eTag] == "\"1\"")
            #expect(post.status == .published, "status defaults to published")
            #expect(post.authorId == author.userID.lowercasedString)
            #expect(post.tenantId == author.tenantID.lowercasedString)
            #expect(post.createdAt == post.updatedAt)
            // Time-ordered (version 7): the store's key and indexes grow at their end as posts are written.
            let id = try #require(UUID(uuidString: post.id))
            #expect(id.uuid.6 >> 4 == 7)
            let idMilliseconds = withUnsafeBytes(of: id.uuid) { $0.prefix(6).reduce(Int64(0)) { $0 << 8 | Int64($1) } }
            #expect(abs(idMilliseconds - post.createdAt.millisecondsSince1970) <= 1, "the id carries its creation time")

            let read = try await client.send(.get, "/v1/posts/\(post.id)", token: token)
            #expect(read.status == .ok)
            #expect(read.headers[.eTag] == "\"1\"")
            #expect(try read.decode(PostResponse.self) == post)

            let patched = try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json(["title": "Hello again"]))
            #expect(patched.status == .ok)
            #expect(patched.headers[.eTag] == "\"2\"")
            let changed = try patched.decode(PostResponse.self)
            #expect(changed.title == "Hello again")
            #expect(changed.content == "First post", "a partial update keeps the other fields")
            #expect(changed.createdAt == post.createdAt)

            #expect(try await client.send(.delete, "/v1/posts/\(post.id)", token: token).status == .noContent)
            #expect(try await client.send(.get, "/v1/posts/\(post.id)", token: token).status == .notFound)
            #expect(try await client.send(.delete, "/v1/posts/\(post.id)", token: token).status == .notFound)
        }
    }

    @Test func everyInvalidBodyIsA4xxWithDetails() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let cases: [(String, [String: Any], String)] = [
                ("empty title", ["title": "", "content": "x"], "title"),
                ("long title", ["title": String(repeating: "t", count: 256), "content": "x"], "title"),
                ("long content", ["title": "t", "content": String(repeating: "c", count: 100_001)], "content"),
                ("missing content", ["title": "t"], "content"),
                ("missing title", ["content": "x"], "title"),
                ("unknown status", ["title": "t", "content": "x", "status": "archived"], "status"),
                ("wrong type", ["title": 5, "content": "x"], "title"),
                ("null title", ["title": NSNull(), "content": "x"], "title"),
                ("unknown field", ["title": "t", "content": "x", "author_id": UUID().uuidString], "author_id"),
            ]
            for (name, body, field) in cases {
                let response = try await client.send(.post, "/v1/posts", token: token, body: json(body))
                #expect(response.status == .badRequest, "\(name)")
                #expect(response.error?.code == .validationFailed, "\(name)")
                #expect(response.error?.details?.map(\.field) == [field], "\(name)")
            }
            let malformed = try await client.send(.post, "/v1/posts", token: token, body: ByteBuffer(string: #"{"title": "#))
            #expect(malformed.status == .badRequest)
            #expect(malformed.error?.code == .badRequest)
            let array = try await client.send(.post, "/v1/posts", token: token, body: ByteBuffer(string: "[]"))
            #expect(array.status == .badRequest)
            let notJSON = try await client.send(.post, "/v1/posts", token: token, body: ByteBuffer(string: "title=x"), headers: [.contentType: "text/plain"])
            #expect(notJSON.status == .unsupportedMediaType)
            let huge = try await client.send(.post, "/v1/posts", token: token, body: json(["title": "t", "content": String(repeating: "x", count: 1 << 20)]))
            #expect(huge.status == .contentTooLarge)
            #expect(huge.error?.code == .payloadTooLarge)

            // The same rules on PATCH.
            let post = try await client.createPost(token: token)
            let badPatch = try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json(["title": "", "status": "gone"]))
            #expect(badPatch.status == .badRequest)
            let unknown = try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json(["tenant_id": UUID().uuidString]))
            #expect(unknown.status == .badRequest)
            #expect(unknown.error?.details?.first?.field == "tenant_id")
        }
    }

    @Test func theLimitsCountUnicodeScalarsAndAreInclusive() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let longest = try await client.createPost(
                token: token, title: String(repeating: "é", count: 255), content: String(repeating: "🙂", count: 100_000))
            #expect(longest.title.unicodeScalars.count == 255)
            #expect(longest.content.unicodeScalars.count == 100_000)
            let empty = try await client.createPost(token: token, content: "")
            #expect(empty.content == "")
        }
    }

    @Test func unicodeAndSQLLookingTextIsStoredVerbatim() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let title = "Robert'); DROP TABLE posts;-- ñ 日本語 \u{1F600}"
            let content = "' OR '1'='1 -- %_\\ \"quoted\" \u{0301}e\u{200B} <script>alert(1)</script>\nline 2\tend"
            let post = try await client.createPost(token: token, title: title, content: content)
            let read = try await client.send(.get, "/v1/posts/\(post.id)", token: token).decode(PostResponse.self)
            #expect(read.title == title)
            #expect(read.content == content)
            let found = try await client.send(.get, "/v1/posts?q=%25_%5C", token: token).decode(Page<PostResponse>.self)
            #expect(found.items.map(\.id) == [post.id], "% and _ searched literally")
            // A NUL would be cut off by the database: refused rather than stored wrong.
            let nul = try await client.send(.post, "/v1/posts", token: token, body: json(["title": "t", "content": "a\u{0}b"]))
            #expect(nul.status == .badRequest)
            #expect(nul.error?.details == [FieldError(field: "content", message: "must not contain NUL characters")])
        }
    }

    @Test func anEmptyPatchChangesNothing() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let post = try await client.createPost(token: token)
            let response = try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json([:]))
            #expect(response.status == .ok)
            #expect(response.headers[.eTag] == "\"1\"")
        }
    }
}
