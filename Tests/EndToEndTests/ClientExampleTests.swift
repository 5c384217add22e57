import Foundation
import SaaSClient
import Testing

/// The README's example of another Swift service calling these APIs through `SaaSClient`, run as it is
/// written there, with the stack's addresses for `auth` and `blog`.
@Suite struct ClientExampleTests {
    @Test func theReadmesExampleWorks() async throws {
        let stack = try await Stack.on(.sqlite)
        try await stack.withAuth {
            try await stack.withBlog {
                let slug = "client-\(UUID().lowercasedString.prefix(8))"
                _ = try await stack.authClient().signUp(body: .json(.init(
                    admin: .init(email: "ann@\(slug).test", name: "Ann", password: "correct horse"), name: "Acme", slug: slug))).created
                let authURL = URL(string: "http://127.0.0.1:\(stack.authPort)")!
                let blogURL = URL(string: "http://127.0.0.1:\(stack.blogPort)")!

                // The README's lines, from here.
                let transport = AsyncHTTPClientTransport()
                let auth = AuthClient.Client(serverURL: authURL, configuration: .saas, transport: transport)
                let tokens = try await auth.login(body: .json(.init(email: "ann@\(slug).test", password: "correct horse", tenant: slug))).ok.body.json

                let blog = BlogClient.Client(
                    serverURL: blogURL, configuration: .saas, transport: transport, middlewares: [BearerToken(tokens.accessToken)])
                let post = try await blog.createPost(body: .json(.init(content: "Hello from Swift", title: "Hi"))).created.body.json
                let page = try await blog.listPosts(query: .init(limit: 10)).ok.body.json
                // To here.

                #expect(page.items.map(\.id) == [post.id])
                #expect(post.status == .published && page.nextCursor == nil)
                // A refused call is the contract's error, typed.
                let missing = try await blog.getPost(path: .init(id: UUID().lowercasedString)).notFound.body.json
                #expect(missing.error.code == .notFound)
            }
        }
    }
}
