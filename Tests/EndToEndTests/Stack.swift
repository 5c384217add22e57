import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceKit
import ServiceTestSupport
import TokenVerification

@testable import AuthService
@testable import BlogService
@testable import ObservCollector

/// The three services' configurations for one test: loopback ports picked up front (so that each can
/// be told where the others are), SQLite files in a fresh folder, fast event shipping.
///
/// With `E2E_BALANCER_PORTS=auth,blog,collector` (scripts/cluster-e2e.sh) the tests that can run over
/// HTTP speak to services already running there, a cluster of replicas behind balancers, instead of
/// starting their own.
struct Stack {
    /// The balancers' ports of a running cluster, when the tests run against one.
    static let external: (auth: Int, blog: Int, collector: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["E2E_BALANCER_PORTS"] else { return nil }
        let ports = text.split(separator: ",").compactMap { Int($0) }
        return ports.count == 3 ? (ports[0], ports[1], ports[2]) : nil
    }()

    /// The stores to run on: the cluster's (whatever it is) once, or each available one.
    static var kinds: [StoreKind] { external == nil ? StoreKind.available : [.postgres] }

    static let issuer = "http://auth.e2e"
    static let blogKey = "e2e-blog-ingest-key-0123"
    static let authKey = "e2e-auth-ingest-key-0123"

    /// The SQLite files and signing keys; removed when the test lets go of its last copy of the stack.
    let files = TemporaryFolder("e2e")
    var folder: String { files.path }
    let authPort = external?.auth ?? freeLoopbackPort()
    let blogPort = external?.blog ?? freeLoopbackPort()
    let collectorPort = external?.collector ?? freeLoopbackPort()
    var shipperCapacity = 10_000
    /// The collector's `TENANT_EVENT_BURST`, when a test wants a tenant over its quota.
    var tenantEventBurst: Int?
    var flushInterval: Duration = .milliseconds(50)

    /// Each service's `DATABASE_URL` when it is not SQLite in the stack's folder.
    var databases: [String: DatabaseURL] = [:]

    var collectorURL: URL { URL(string: "http://127.0.0.1:\(collectorPort)")! }

    /// A stack on `kind`: SQLite files, or one database per service on the test PostgreSQL server (as a
    /// deployment would have them: each service owns its schema and migrates it on its own).
    static func on(_ kind: StoreKind) async throws -> Stack {
        var stack = Stack()
        if kind == .postgres, external == nil {
            for name in ["auth", "blog", "collector"] {
                stack.databases[name] = DatabaseURL(try TestPostgres.url(database: try await TestPostgres.createDatabase()))
            }
        }
        return stack
    }

    func service(_ name: String, port: Int) -> ServiceConfiguration {
        ServiceConfiguration(host: "127.0.0.1", port: port, database: databases[name] ?? .sqlite(path: folder + "\(name).sqlite"))
    }

    var tokens: RemoteTokenSettings {
        var tokens = RemoteTokenSettings(
            jwksURL: URL(string: "http://127.0.0.1:\(authPort)/.well-known/jwks.json")!,
            verifier: TokenVerifierSettings(issuer: Self.issuer))
        tokens.minimumRefetchInterval = .zero  // the auth service may start after the others
        return tokens
    }

    func events(key: String) -> EventShipper.Settings {
        var settings = EventShipper.Settings(collectorURL: collectorURL, ingestKey: key)
        settings.capacity = shipperCapacity
        settings.flushInterval = flushInterval
        settings.initialBackoff = .milliseconds(50)
        settings.maximumBackoff = .milliseconds(200)
        settings.shutdownTimeout = .seconds(1)
        return settings
    }

    var auth: AuthServiceConfiguration {
        var configuration = AuthServiceConfiguration(
            service: service("auth", port: authPort), issuer: Self.issuer, signingKeyFile: folder + "keys.json", loginRateLimit: 1000)
        configuration.passwordHashing = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)
        configuration.events = events(key: Self.authKey)
        return configuration
    }

    var blog: BlogServiceConfiguration {
        BlogServiceConfiguration(service: service("blog", port: blogPort), tokens: tokens, events: events(key: Self.blogKey))
    }

    var collector: ObservCollectorConfiguration {
        var configuration = ObservCollectorConfiguration(
            service: service("collector", port: collectorPort), tokens: tokens,
            ingestKeys: IngestKeys([("blog-service", Self.blogKey), ("auth-service", Self.authKey)]))
        if let tenantEventBurst { configuration.tenantEventBurst = tenantEventBurst }
        return configuration
    }

    static let quiet = Logger(label: "e2e") { _ in SwiftLogNoOpLogHandler() }

    var authHTTP: LoopbackHTTP { LoopbackHTTP(port: authPort) }
    var blogHTTP: LoopbackHTTP { LoopbackHTTP(port: blogPort) }
    var collectorHTTP: LoopbackHTTP { LoopbackHTTP(port: collectorPort) }

    func withAuth<Value: Sendable>(_ body: @Sendable () async throws -> Value) async throws -> Value {
        if Self.external != nil { return try await body() }
        return try await serving(try await AuthService.buildApplication(configuration: auth, logger: Self.quiet), port: authPort, body)
    }

    /// The blog, serving `body` once `readyAt` answers 200 (`/healthz` to start it with its database down).
    func withBlog<Value: Sendable>(
        metrics: ServiceMetrics = ServiceMetrics(), readyAt path: String = "/readyz", _ body: @Sendable () async throws -> Value
    ) async throws -> Value {
        if Self.external != nil { return try await body() }
        return try await serving(
            try await BlogService.buildApplication(configuration: blog, logger: Self.quiet, metrics: metrics), port: blogPort, readyAt: path, body)
    }

    func withCollector<Value: Sendable>(_ body: @Sendable () async throws -> Value) async throws -> Value {
        if Self.external != nil { return try await body() }
        return try await serving(try await ObservCollector.buildApplication(configuration: collector, logger: Self.quiet), port: collectorPort, body)
    }
}
