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
        let (auth, blog, collector) = (stack.authHTTP, stack.blogHTTP, stack.collectorHTTP)
        let run = Stack.external == nil ? "" : "-" + UUID().lowercasedString.prefix(8)
        let (acme, globex) = ("e2e-acme\(run)", "e2e-globex\(run)")
        try await stack.withAuth {
            try await stack.withCollector {
                try await stack.withBlog {
                    for slug in [acme, globex] {
                        let signUp = try await auth.send(.POST, "/v1/tenants", json: [
                            "slug": slug, "name": slug, "admin": ["email": "admin@\(slug).test", "password": "admin-password", "name": "Admin"],
                        ])
                        #expect(signUp.status == 201)
                    }
                    @Sendable func login(_ slug: String) async throws -> String {
                        let reply = try await auth.send(.POST, "/v1/auth/login", json: ["tenant": slug, "email": "admin@\(slug).test", "password": "admin-password"])
                        #expect(reply.status == 200)
                        return try reply.decode(TokenResponse.self).accessToken
                    }
                    let ann = try await login(acme)
                    let globexAdmin = try await login(globex)
                    let me = try await auth.send(.GET, "/v1/auth/me", token: ann, requestID: "e2e-me")
                    #expect(me.status == 200)
                    let tenantID = try me.decode(UserResponse.self).tenantId

                    let created = try await blog.send(.POST, "/v1/posts", token: ann, json: ["title": "Hello", "content": "From the end-to-end test"], requestID: "e2e-create")
                    #expect(created.status == 201, "the blog accepted the auth service's token")
                    #expect(created.headers.first(name: "X-Request-ID") == "e2e-create")
                    let missing = try await blog.send(.GET, "/v1/posts/\(UUID().lowercasedString)", token: ann, requestID: "e2e-missing")
                    #expect(missing.status == 404)
                    let list = try await blog.send(.GET, "/v1/posts", token: ann, requestID: "e2e-list")
                    #expect(try list.decode(Page<PostResponse>.self).items.map(\.title) == ["Hello"])

                    let wanted: Set<String> = ["e2e-me", "e2e-create", "e2e-missing", "e2e-list"]
                    let log = try await collector.poll("/v1/logs/requests?limit=100", token: ann, as: Page<EventResponse>.self) { page in
                        wanted.isSubset(of: Set(page.items.compactMap(\.requestId)))
                    }
                    let byID = Dictionary(log.items.compactMap { event in event.requestId.map { ($0, event) } }, uniquingKeysWith: { first, _ in first })
                    #expect(Set(byID.keys).isSuperset(of: wanted), "\(byID.keys.sorted())")
                    #expect(byID["e2e-missing"]?.status == 404)
                    #expect(byID["e2e-missing"]?.route == "/v1/posts/{id}")
                    #expect(byID["e2e-missing"]?.service == "blog-service")
                    #expect(byID["e2e-create"]?.status == 201)
                    #expect(byID["e2e-create"]?.method == "POST")
                    #expect(byID["e2e-create"]?.userId == (try? me.decode(UserResponse.self).id))
                    #expect(byID["e2e-me"]?.service == "auth-service")
                    #expect(byID["e2e-list"]?.clientIp == "127.0.0.1")
                    #expect(log.items.allSatisfy { $0.tenantId == tenantID }, "only this tenant's events")

                    let stats = try await collector.poll("/v1/stats?window=15m", token: ann, as: StatsResponse.self) { stats in
                        stats.items.contains { $0.route == "/v1/posts/{id}" }
                    }
                    let routes = Set(stats.items.map { "\($0.service) \($0.route)" })
                    #expect(routes.isSuperset(of: ["blog-service /v1/posts", "blog-service /v1/posts/{id}", "auth-service /v1/auth/me"]), "\(routes)")

                    // The verifiers' revocation polls (every 5 s, at start too) are not reported. (Through a
                    // balancer, `/metrics` is one replica's, which may not have ingested the login.)
                    if Stack.external == nil {
                        let metrics = String(buffer: try await collector.send(.GET, "/metrics").body)
                        #expect(metrics.contains(#"service="auth-service",route="/v1/auth/login""#), "tenant-less requests count in the metrics")
                        #expect(!metrics.contains("/.well-known/revocations"))
                    }

                    let other = try await collector.send(.GET, "/v1/logs/requests?limit=100", token: globexAdmin).decode(Page<EventResponse>.self)
                    #expect(other.items.allSatisfy { $0.requestId.map { !wanted.contains($0) } ?? true }, "the other tenant sees none of it")
                    #expect(other.items.allSatisfy { $0.tenantId != tenantID })
                }
            }
        }
    }
}
