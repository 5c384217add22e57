import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing
import ServiceTestSupport
import TokenVerification

@testable import BlogService

/// Who may see and change which post, and tenant isolation.
@Suite struct PostAccessTests {
    let harness = BlogTestHarness()

    enum Caller: String, CaseIterable {
        case author, otherUser, moderator, admin
    }

    /// Tokens of four callers of one tenant.
    func tokens() async throws -> [Caller: String] {
        var tokens: [Caller: String] = [:]
        for (caller, role) in [(Caller.author, Role.user), (.otherUser, .user), (.moderator, .moderator), (.admin, .admin)] {
            tokens[caller] = try await harness.token(harness.identity(role))
        }
        return tokens
    }

    @Test func theDraftPermissionMatrix() async throws {
        let tokens = try await tokens()
        try await harness.test { client in
            let draft = try await client.createPost(token: tokens[.author]!, title: "Secret draft", status: .draft)
            let expected: [Caller: HTTPResponse.Status] = [.author: .ok, .otherUser: .notFound, .moderator: .ok, .admin: .ok]
            for caller in Caller.allCases {
                let status = try await client.send(.get, "/v1/posts/\(draft.id)", token: tokens[caller]!).status
                #expect(status == expected[caller], "\(caller) reads the draft")
                let listed = try await client.send(.get, "/v1/posts", token: tokens[caller]!).decode(Page<PostResponse>.self)
                #expect(listed.items.contains { $0.id == draft.id } == (expected[caller] == .ok), "\(caller) lists the draft")
            }
            // Another user cannot find the draft to change it either.
            #expect(try await client.send(.patch, "/v1/posts/\(draft.id)", token: tokens[.otherUser]!, body: json(["title": "x"])).status == .notFound)
            #expect(try await client.send(.delete, "/v1/posts/\(draft.id)", token: tokens[.otherUser]!).status == .notFound)
        }
    }

    @Test func theUpdatePermissionMatrix() async throws {
        let tokens = try await tokens()
        try await harness.test { client in
            let post = try await client.createPost(token: tokens[.author]!)
            let expected: [Caller: HTTPResponse.Status] = [.author: .ok, .otherUser: .forbidden, .moderator: .ok, .admin: .ok]
            for caller in Caller.allCases {
                let response = try await client.send(.patch, "/v1/posts/\(post.id)", token: tokens[caller]!, body: json(["title": "By \(caller)"]))
                #expect(response.status == expected[caller], "\(caller) updates")
            }
            let final = try await client.send(.get, "/v1/posts/\(post.id)", token: tokens[.author]!).decode(PostResponse.self)
            #expect(final.title == "By admin")
            #expect(final.authorId == post.authorId, "a moderator's edit keeps the author")
        }
    }

    @Test func theDeletePermissionMatrix() async throws {
        let tokens = try await tokens()
        try await harness.test { client in
            let expected: [Caller: HTTPResponse.Status] = [.author: .noContent, .otherUser: .forbidden, .moderator: .noContent, .admin: .noContent]
            for caller in Caller.allCases {
                let post = try await client.createPost(token: tokens[.author]!)
                let response = try await client.send(.delete, "/v1/posts/\(post.id)", token: tokens[caller]!)
                #expect(response.status == expected[caller], "\(caller) deletes")
                let stillThere = try await client.send(.get, "/v1/posts/\(post.id)", token: tokens[.author]!).status == .ok
                #expect(stillThere == (expected[caller] == .forbidden))
            }
            let forbidden = try await client.send(.delete, "/v1/posts/\(try await client.createPost(token: tokens[.author]!).id)", token: tokens[.otherUser]!)
            #expect(forbidden.error?.code == .forbidden)
        }
    }

    @Test func anotherTenantsPostIsNotFoundOnEveryRoute() async throws {
        let acmeAuthor = try await harness.token(harness.identity())
        let globexAdmin = try await harness.token(harness.identity(.admin, tenant: harness.globex))
        try await harness.test { client in
            let post = try await client.createPost(token: acmeAuthor, title: "Acme only")
            let draft = try await client.createPost(token: acmeAuthor, title: "Acme draft", status: .draft)
            for id in [post.id, draft.id] {
                let routes: [(HTTPRequest.Method, ByteBuffer?)] = [(.get, nil), (.patch, json(["title": "Taken over"])), (.delete, nil)]
                for (method, body) in routes {
                    let response = try await client.send(method, "/v1/posts/\(id)", token: globexAdmin, body: body)
                    let missing = try await client.send(method, "/v1/posts/\(UUID().lowercasedString)", token: globexAdmin, body: body)
                    #expect(response.status == .notFound, "\(method)")
                    #expect(response.error?.message == missing.error?.message, "exactly like a missing post")
                }
            }
            let globexList = try await client.send(.get, "/v1/posts", token: globexAdmin).decode(Page<PostResponse>.self)
            #expect(globexList.items.isEmpty)
            let byAuthor = try await client.send(.get, "/v1/posts?author=\(post.authorId)", token: globexAdmin).decode(Page<PostResponse>.self)
            #expect(byAuthor.items.isEmpty)
            // Globex's own post lands in Globex, and Acme does not see it.
            let globexPost = try await client.createPost(token: globexAdmin, title: "Globex")
            #expect(globexPost.tenantId == harness.globex.lowercasedString)
            let acmeList = try await client.send(.get, "/v1/posts", token: acmeAuthor).decode(Page<PostResponse>.self)
            #expect(acmeList.items.map(\.title).sorted() == ["Acme draft", "Acme only"])
            // Nothing of Acme's changed.
            let unchanged = try await client.send(.get, "/v1/posts/\(post.id)", token: acmeAuthor).decode(PostResponse.self)
            #expect(unchanged == post)
        }
    }

    @Test func theBodyCannotMoveAPostToAnotherTenantOrAuthor() async throws {
        let author = harness.identity()
        let token = try await harness.token(author)
        try await harness.test { client in
            for field in ["tenant_id", "author_id", "id"] {
                let response = try await client.send(.post, "/v1/posts", token: token, body: json(["title": "t", "content": "c", field: UUID().uuidString]))
                #expect(response.status == .badRequest, "\(field)")
            }
        }
    }
}
