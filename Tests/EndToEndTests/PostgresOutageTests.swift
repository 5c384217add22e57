import Foundation
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService
@testable import BlogService

/// A service whose PostgreSQL is not there at start starts anyway, says it is not ready, answers 503
/// where it needs the database, and serves once the database comes.
@Suite struct PostgresOutageTests {
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aBlogStartedBeforeItsDatabaseServesOnceItComes(kind: StoreKind) async throws {
        var late = Stack()
        let database = "late_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        late.databases["blog"] = DatabaseURL(try TestPostgres.url(database: database))  // not created yet
        let stack = late
        let (auth, blog) = (stack.authHTTP, stack.blogHTTP)
        try await stack.withAuth {
            try await stack.withBlog(readyAt: "/healthz") {
                let signUp = try await auth.send(.POST, "/v1/tenants", json: [
                    "slug": "late", "name": "Late", "admin": ["email": "admin@late.test", "password": "admin-password", "name": "Admin"],
                ])
                #expect(signUp.status == 201)
                let login = try await auth.send(.POST, "/v1/auth/login", json: ["tenant": "late", "email": "admin@late.test", "password": "admin-password"])
                let token = try login.decode(TokenResponse.self).accessToken

                let notReady = try await blog.send(.GET, "/readyz")
                #expect(notReady.status == 503)
                #expect(notReady.headers.first(name: "Retry-After") != nil)
                let list = try await blog.send(.GET, "/v1/posts", token: token)
                #expect(list.status == 503)
                #expect(String(buffer: list.body).contains(#""code":"unavailable""#))

                try await TestPostgres.createDatabase(named: database)
                var ready = try await blog.send(.GET, "/readyz")
                for _ in 0..<200 where ready.status != 200 {
                    try await Task.sleep(for: .milliseconds(50))
                    ready = try await blog.send(.GET, "/readyz")
                }
                #expect(ready.status == 200)
                #expect(String(buffer: ready.body).contains(#""schema_version":1"#))
                #expect(try await blog.send(.GET, "/v1/posts", token: token).status == 200)
            }
        }
    }
}
