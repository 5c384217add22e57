import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import ObservCollector

/// A collector on a fresh database, verifying admin tokens against a fake auth server, with an ingest
/// key for `blog-service` and one for `auth-service`.
struct CollectorTestHarness {
    static let blogKey = "blog-key-0123456789abcdef"
    static let authKey = "auth-key-0123456789abcdef"

    let minter = TestTokenMinter()
    let acme = UUID()
    let globex = UUID()
    /// Removed, with the database, when the test lets go of its last copy of the harness.
    let folder = TemporaryFolder("collector-tests")
    var databasePath: String { folder.path + "collector.sqlite" }
    var queueCapacity = 200_000
    /// Changes to the configuration a test needs (quotas, metric bounds).
    var adjust: @Sendable (inout ObservCollectorConfiguration) -> Void = { _ in }

    var configuration: ObservCollectorConfiguration {
        var tokens = RemoteTokenSettings(jwksURL: URL(string: "http://127.0.0.1:1/.well-known/jwks.json")!, verifier: TestTokenMinter.settings)
        tokens.minimumRefetchInterval = .zero
        var configuration = ObservCollectorConfiguration(
            service: ServiceConfiguration(port: 0, database: .sqlite(path: databasePath)), tokens: tokens,
            ingestKeys: IngestKeys([("blog-service", Self.blogKey), ("auth-service", Self.authKey)]), queueCapacity: queueCapacity)
        adjust(&configuration)
        return configuration
    }

    /// A harness whose configuration `adjust` changes.
    static func with(_ adjust: @escaping @Sendable (inout ObservCollectorConfiguration) -> Void) -> CollectorTestHarness {
        var harness = CollectorTestHarness()
        harness.adjust = adjust
        return harness
    }

    func adminToken(_ tenant: UUID? = nil, role: Role = .admin) async throws -> String {
        try await minter.token(for: TestIdentity(tenantID: tenant ?? acme, role: role))
    }

    /// Runs `body` against the collector's router, admin tokens verified with the minter's key in
    /// memory (no JWKS server). `store` replaces SQLite.
    func test<Value: Sendable>(
        store: (any EventStore)? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let verifier = AccessTokenVerifier(
            settings: TestTokenMinter.settings,
            keys: StaticKeySource(try await VerificationKeySet.make([minter.key.keyID: minter.key.privateKey.publicKey])))
        let logger = Logger(label: "collector") { _ in SwiftLogNoOpLogHandler() }
        let store = try store ?? openStore()
        let app = try await buildApplication(
            configuration: configuration, store: store, tokens: .local(verifier), readiness: { 1 }, logger: logger, metrics: ServiceMetrics(),
            now: { Date() })
        return try await app.test(.router, conformingTo: CollectorOpenAPIDocument.assembled, body)
    }

    /// The SQLite store of this harness's database, for looking behind the routes.
    func openStore() throws -> SQLiteEventStore {
        SQLiteEventStore(database: try openSQLiteDatabase(path: databasePath))
    }
}

/// A request event as the blog service would send it.
func requestEvent(
    tenant: UUID?, status: Int = 200, durationMs: Double = 12.5, path: String = "/v1/posts", route: String? = "/v1/posts",
    method: String = "GET", requestID: String = UUID().lowercasedString, userID: UUID? = nil, service: String = "blog-service",
    ts: Date = Date()
) -> [String: Any] {
    var event: [String: Any] = [
        "type": "request", "ts": Timestamp.format(ts), "service": service, "request_id": requestID, "method": method, "path": path,
        "status": status, "duration_ms": durationMs, "client_ip": "203.0.113.7", "user_agent": "curl/8",
    ]
    if let tenant { event["tenant_id"] = tenant.lowercasedString }
    if let route { event["route"] = route }
    if let userID { event["user_id"] = userID.lowercasedString }
    return event
}

func errorEvent(tenant: UUID?, message: String = "Database unavailable", requestID: String = UUID().lowercasedString, service: String = "blog-service") -> [String: Any] {
    var event: [String: Any] = [
        "type": "error", "ts": Timestamp.format(Date()), "service": service, "request_id": requestID, "level": "error",
        "message": message, "error_type": "DatabaseError",
    ]
    if let tenant { event["tenant_id"] = tenant.lowercasedString }
    return event
}

extension TestClientProtocol {
    /// Posts `{"events": [...]}` with an ingest key.
    @discardableResult
    func ingest(_ events: [[String: Any]], key: String? = CollectorTestHarness.blogKey) async throws -> TestResponse {
        try await send(.post, "/v1/events", token: key, body: json(["events": events]))
    }

    func logs(_ kind: String, _ query: String = "", token: String) async throws -> Page<EventResponse> {
        let response = try await send(.get, "/v1/logs/\(kind)\(query.isEmpty ? "" : "?" + query)", token: token)
        #expect(response.status == .ok, "\(kind)?\(query): \(response.text)")
        return try response.decode(Page<EventResponse>.self)
    }
}
