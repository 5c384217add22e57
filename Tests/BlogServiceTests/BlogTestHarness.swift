import DatabaseKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceKit
import Testing
import ServiceTestSupport
import TokenVerification

@testable import BlogService

/// A blog service on a fresh database, verifying tokens against a fake auth server's JWKS over real
/// HTTP, and tokens for callers of two tenants.
struct BlogTestHarness {
    let minter = TestTokenMinter()
    let acme = UUID()
    let globex = UUID()
    let logs = LogSink.capturing()
    /// Removed, with the database, when the test lets go of its last copy of the harness.
    let folder = TemporaryFolder("blog-tests")
    var databasePath: String { folder.path + "blog.sqlite" }
    var statementTimeout: Duration = .seconds(5)
    /// Where the revocation list is polled, and how often (the fake auth server's, every 5 s, unless set).
    var revocationsURL: URL?
    var revocationPollInterval: Duration = .seconds(5)

    func identity(_ role: Role = .user, tenant: UUID? = nil) -> TestIdentity {
        TestIdentity(tenantID: tenant ?? acme, role: role)
    }

    func token(_ identity: TestIdentity) async throws -> String {
        try await minter.token(for: identity)
    }

    /// Runs `body` against the blog's router with the minter's key in memory: no JWKS server.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let verifier = AccessTokenVerifier(
            settings: TestTokenMinter.settings,
            keys: StaticKeySource(try await VerificationKeySet.make([minter.key.keyID: minter.key.privateKey.publicKey])))
        let database = try openSQLiteDatabase(path: databasePath, statementTimeout: statementTimeout)
        let router = buildRouter(
            posts: SQLitePostRepository(database: database), verifier: verifier, metrics: ServiceMetrics(),
            readiness: { try await SQLiteDatabase.ping(database) })
        let app = Application(router: router, logger: Logger.service("blog-service", level: .debug, format: .text, sink: logs))
        return try await app.test(.router, conformingTo: BlogOpenAPIDocument.assembled, body)
    }

    /// Runs `body` against the whole application, verifying tokens against a fake auth server's JWKS
    /// over real HTTP, with the server up for the whole test.
    func testWithAuthServer<Value: Sendable>(
        _ authServer: FakeAuthServer? = nil, _ body: @Sendable (any TestClientProtocol, FakeAuthServer) async throws -> Value
    ) async throws -> Value {
        let server = authServer ?? FakeAuthServer(keys: [minter.key])
        return try await server.whileRunning { base in
            var tokens = RemoteTokenSettings(jwksURL: base.jwks, revocationsURL: revocationsURL, verifier: TestTokenMinter.settings)
            tokens.minimumRefetchInterval = .zero
            tokens.revocationPollInterval = revocationPollInterval
            var configuration = BlogServiceConfiguration(
                service: ServiceConfiguration(port: 0, database: .sqlite(path: databasePath)), tokens: tokens)
            configuration.service.statementTimeout = statementTimeout
            let app = try await buildApplication(
                configuration: configuration, logger: Logger.service("blog-service", level: .debug, format: .text, sink: logs))
            return try await app.test(.router, conformingTo: BlogOpenAPIDocument.assembled) { client in try await body(client, server) }
        }
    }
}

extension TestClientProtocol {
    /// Creates a post and returns it.
    func createPost(token: String, title: String = "A title", content: String = "Some content", status: Post.Status? = nil) async throws -> PostResponse {
        var body: [String: Any] = ["title": title, "content": content]
        if let status { body["status"] = status.rawValue }
        let response = try await send(.post, "/v1/posts", token: token, body: json(body))
        #expect(response.status == .created, "create: \(String(buffer: response.body))")
        return try response.decode(PostResponse.self)
    }
}
