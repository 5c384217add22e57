import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceKit
import Synchronization
import Testing
import ServiceTestSupport
import TokenVerification

@testable import AuthService

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date()) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var closure: @Sendable () -> Date { { self.now } }
}

/// An auth service on a fresh database and key file, with a test clock and captured logs.
struct AuthTestHarness {
    var configuration: AuthServiceConfiguration
    /// The service's database and signing keys; removed when the test lets go of its last copy of the harness.
    let folder = TemporaryFolder("auth-tests")
    /// The SQLite file of the service (tests look at its rows).
    var databasePath: String { folder.path + "auth.sqlite" }
    let clock = TestClock()
    let logs = LogSink.capturing()

    /// Cheaper Argon2id than production so that the many sign-ups of the suite stay quick; the
    /// production parameters have their own tests.
    static let fastHashing = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)

    init(_ adjust: (inout AuthServiceConfiguration) -> Void = { _ in }) {
        var configuration = AuthServiceConfiguration(
            service: ServiceConfiguration(port: 0, database: .sqlite(path: folder.path + "auth.sqlite")),
            issuer: "http://auth.test", signingKeyFile: folder.path + "keys.json", loginRateLimit: 1000)
        configuration.passwordHashing = Self.fastHashing
        adjust(&configuration)
        self.configuration = configuration
    }

    /// A service whose client addresses come from `X-Forwarded-For` (the loopback peer is a trusted
    /// proxy), with `rateLimit` attempts a minute: for tests of limits per client address.
    static func behindLoopbackProxy(rateLimit: Int) -> AuthTestHarness {
        AuthTestHarness {
            $0.loginRateLimit = rateLimit
            $0.service.trustedProxies = try! TrustedProxies(parsing: "127.0.0.0/8")
        }
    }

    func makeApplication() async throws -> some ApplicationProtocol {
        try await buildApplication(
            configuration: configuration,
            logger: Logger.service("auth-service", level: .trace, format: .text, sink: logs),
            now: clock.closure)
    }

    /// Runs `body` against the router in process.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await makeApplication().test(.router, conformingTo: AuthOpenAPIDocument.assembled, body)
    }

    /// Runs `body` against the service on a loopback port; the URL is its base.
    func testLive<Value: Sendable>(_ body: @Sendable (any TestClientProtocol, URL) async throws -> Value) async throws -> Value {
        var harness = self
        harness.configuration.service.host = "127.0.0.1"
        return try await harness.makeApplication().test(.live, conformingTo: AuthOpenAPIDocument.assembled) { client in
            try await body(client, URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }

    /// A verifier as the blog service has one: the shared library with this service's issuer and the given keys.
    func verifier(keys: any VerificationKeySource, revocations: (any RevocationChecker)? = nil) -> AccessTokenVerifier {
        AccessTokenVerifier(
            settings: TokenVerifierSettings(issuer: configuration.issuer), keys: keys, revocations: revocations,
            now: clock.closure)
    }
}

// MARK: Calls

extension TestClientProtocol {
    /// Signs up a tenant whose admin is `admin@<slug>.test` with password `admin-password`.
    @discardableResult
    func signUp(_ slug: String, adminEmail: String? = nil) async throws -> (tenant: TenantResponse, admin: UserResponse) {
        let response = try await send(.post, "/v1/tenants", body: json([
            "slug": slug, "name": "Tenant \(slug)",
            "admin": ["email": adminEmail ?? "admin@\(slug).test", "password": "admin-password", "name": "Admin of \(slug)"],
        ]))
        #expect(response.status == .created, "sign-up of \(slug): \(String(buffer: response.body))")
        let body = try response.decode(TenantController.SignUpResponse.self)
        return (body.tenant, body.user)
    }

    func login(_ slug: String, _ email: String, _ password: String) async throws -> TokenResponse {
        let response = try await send(.post, "/v1/auth/login", body: json(["tenant": slug, "email": email, "password": password]))
        #expect(response.status == .ok, "login of \(email): \(String(buffer: response.body))")
        return try response.decode(TokenResponse.self)
    }

    /// The admin's tokens of a new tenant.
    func adminSession(_ slug: String) async throws -> (tenant: TenantResponse, admin: UserResponse, tokens: TokenResponse) {
        let (tenant, admin) = try await signUp(slug)
        return (tenant, admin, try await login(slug, "admin@\(slug).test", "admin-password"))
    }

    /// Creates a user through the admin route and logs them in.
    func member(
        _ slug: String, adminToken: String, email: String, role: Role = .user, password: String = "member-password"
    ) async throws -> (user: UserResponse, tokens: TokenResponse) {
        let response = try await send(.post, "/v1/users", token: adminToken, body: json([
            "email": email, "password": password, "name": "Member \(email)", "role": role.rawValue,
        ]))
        #expect(response.status == .created, "create \(email): \(String(buffer: response.body))")
        return (try response.decode(UserResponse.self), try await login(slug, email, password))
    }
}
