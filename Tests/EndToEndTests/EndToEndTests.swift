import Foundation
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService
@testable import BlogService
@testable import ObservCollector

/// The three applications in one process on loopback ports, talking real HTTP.
@Suite struct EndToEndTests {
    /// A user signs up and logs in at auth, uses the token at blog (verified through the real JWKS
    /// fetch), and the requests, with their request ids and a 404 among them, show in the
    /// collector's log and statistics of that tenant only.
    ///
    /// Also run through a cluster's balancers (scripts/cluster-e2e.sh), where tenants are new each run.
    @Test(arguments: Stack.kinds)
    func aUsersRequestsReachTheCollectorForTheirTenantOnly(on kind: StoreKind) async throws {
        let stack = try await Stack.on(kind)
        let run = Stack.external == nil ? "" : "-" + UUID().lowercasedString.prefix(8)
        let (acme, globex) = ("e2e-acme\(run)", "e2e-globex\(run)")
        try await stack.withAuth {
            try await stack.withCollector {
                try await stack.withBlog {
                    // Through the typed client, as another Swift service would call them.
                    let auth = stack.authClient()
                    for slug in [acme, globex] {
                        let signUp = try await auth.signUp(body: .json(.init(
                            admin: .init(email: "admin@\(slug).test", name: "Admin", password: "admin-password"), name: slug, slug: slug)))
                        #expect(try signUp.created.body.json.tenant.slug == slug)
                    }
                    @Sendable func login(_ slug: String) async throws -> String {
                        let reply = try await auth.login(body: .json(.init(email: "admin@\(slug).test", password: "admin-password", tenant: slug)))
                        return try reply.ok.body.json.accessToken
                    }
                    let ann = try await login(acme)
                    let globexAdmin = try await login(globex)
                    let me = try await stack.authClient(token: ann).me(headers: .init(xRequestID: "e2e-me")).ok.body.json
                    let tenantID = me.tenantId

                    let blog = stack.blogClient(token: ann)
                    let created = try await blog.createPost(
                        headers: .init(xRequestID: "e2e-create"), body: .json(.init(content: "From the end-to-end test", title: "Hello")))
                    #expect(try created.created.body.json.title == "Hello", "the blog accepted the auth service's token")
                    #expect(try created.created.headers.xRequestID == "e2e-create")
                    let missing = try await blog.getPost(path: .init(id: UUID().lowercasedString), headers: .init(xRequestID: "e2e-missing"))
                    #expect(try missing.notFound.body.json.error.code == .notFound)
                    let list = try await blog.listPosts(headers: .init(xRequestID: "e2e-list")).ok.body.json
                    #expect(list.items.map(\.title) == ["Hello"])

                    let collector = stack.collectorClient(token: ann)
                    let wanted: Set<String> = ["e2e-me", "e2e-create", "e2e-missing", "e2e-list"]
                    let log = try await poll({ try await collector.requestLogs(query: .init(limit: 100)).ok.body.json }) { page in
                        wanted.isSubset(of: Set(page.items.compactMap(\.value1.requestId)))
                    }
                    let byID = Dictionary(
                        log.items.compactMap { event in event.value1.requestId.map { ($0, event.value1) } }, uniquingKeysWith: { first, _ in first })
                    #expect(Set(byID.keys).isSuperset(of: wanted), "\(byID.keys.sorted())")
                    #expect(byID["e2e-missing"]?.status == 404)
                    #expect(byID["e2e-missing"]?.route == "/v1/posts/{id}")
                    #expect(byID["e2e-missing"]?.service == "blog-service")
                    #expect(byID["e2e-create"]?.status == 201)
                    #expect(byID["e2e-create"]?.method == "POST")
                    #expect(byID["e2e-create"]?.userId == me.id)
                    #expect(byID["e2e-me"]?.service == "auth-service")
                    #expect(byID["e2e-list"]?.clientIp == "127.0.0.1")
                    #expect(log.items.allSatisfy { $0.value1.tenantId == tenantID }, "only this tenant's events")

                    let stats = try await poll({ try await collector.stats(query: .init(window: ._15m)).ok.body.json }) { stats in
                        stats.items.contains { $0.route == "/v1/posts/{id}" }
                    }
                    let routes = Set(stats.items.map { "\($0.service) \($0.route)" })
                    #expect(routes.isSuperset(of: ["blog-service /v1/posts", "blog-service /v1/posts/{id}", "auth-service /v1/auth/me"]), "\(routes)")

                    // The verifiers' revocation polls (every 5 s, at start too) are not reported. (Through a
                    // balancer, `/metrics` is one replica's, which may not have ingested the login.)
                    if Stack.external == nil {
                        let metrics = try await String(collecting: collector.metrics().ok.body.plainText, upTo: 10 << 20)
                        #expect(metrics.contains(#"service="auth-service",route="/v1/auth/login""#), "tenant-less requests count in the metrics")
                        #expect(!metrics.contains("/.well-known/revocations"))
                    }

                    let other = try await stack.collectorClient(token: globexAdmin).requestLogs(query: .init(limit: 100)).ok.body.json
                    #expect(other.items.allSatisfy { $0.value1.requestId.map { !wanted.contains($0) } ?? true }, "the other tenant sees none of it")
                    #expect(other.items.allSatisfy { $0.value1.tenantId != tenantID })
                }
            }
        }
    }
}
