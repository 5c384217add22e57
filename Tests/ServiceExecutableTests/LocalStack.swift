import Foundation
import ServiceTestSupport
import Synchronization
import Testing

/// The three service executables on SQLite in a folder of their own, on loopback ports chosen up
/// front (each must know where the others are), wired as `make run` wires them: for tests that stop,
/// kill and restart them. Each service is started and stopped by this object, by pid.
final class LocalStack: Sendable {
    static let services = ["auth-service", "blog-service", "observ-collector"]
    static let blogKey = "local-stack-blog-key-0123456789"
    static let authKey = "local-stack-auth-key-0123456789"

    let folder = FileManager.default.temporaryDirectory.appending(path: "local-stack-\(UUID().uuidString.lowercased())")
    let ports: [String: Int] = Dictionary(uniqueKeysWithValues: LocalStack.services.map { ($0, freeLoopbackPort()) })
    private let running = Mutex<[String: ServiceProcess]>([:])

    func url(_ service: String) -> String { "http://127.0.0.1:\(ports[service]!)" }
    var auth: String { url("auth-service") }
    var blog: String { url("blog-service") }
    var collector: String { url("observ-collector") }

    func environment(_ service: String) -> [String: String] {
        var settings = [
            "PORT": String(ports[service]!), "DATABASE_URL": "sqlite:\(folder.path)/\(service).sqlite", "LOG_FORMAT": "text",
            "JWT_ISSUER": auth, "AUTH_JWKS_URL": auth + "/.well-known/jwks.json", "COLLECTOR_URL": collector,
        ]
        switch service {
        case "auth-service":
            settings["JWT_SIGNING_KEY_FILE"] = folder.appending(path: "keys.json").path
            settings["COLLECTOR_INGEST_KEY"] = Self.authKey
        case "blog-service":
            settings["COLLECTOR_INGEST_KEY"] = Self.blogKey
        default:
            settings["INGEST_KEYS"] = "blog-service:\(Self.blogKey),auth-service:\(Self.authKey)"
            // The tests send far more than a tenant's default quota (1,000 a second) and count what is stored.
            settings["TENANT_EVENT_RATE"] = "1000000"
            settings["TENANT_EVENT_BURST"] = "1000000"
        }
        return settings
    }

    /// Starts `service` (with `changes` to its settings) and waits until it listens.
    func start(_ service: String, changing changes: [String: String] = [:]) async throws {
        let process = try ServiceProcess(service, environment: environment(service).merging(changes) { $1 })
        running.withLock { $0[service] = process }
        _ = try await process.listeningPort()
    }

    func startAll() async throws {
        for service in Self.services { try await start(service) }
    }

    /// Sends `signal` to `service` and returns its exit status, or nil when it was still running after
    /// `seconds` (then it is killed).
    @discardableResult
    func stop(_ service: String, signal: Int32 = SIGTERM, within seconds: Int = 20) async throws -> Int32? {
        guard let process = running.withLock({ $0.removeValue(forKey: service) }) else { return nil }
        process.signal(signal)
        return await process.waitForExit(within: seconds)
    }

    func output(_ service: String) -> String { running.withLock { $0[service]?.capturedOutput ?? "" } }

    /// The peak resident memory of `service` so far, in MiB.
    func peakResidentMiB(_ service: String) -> Double { Double(running.withLock { $0[service]?.peakResidentKiB ?? 0 }) / 1024 }

    /// Stops whatever still runs and removes the folder.
    func tearDown() async {
        for service in Self.services { _ = try? await stop(service, signal: SIGKILL, within: 5) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Signs up a tenant and logs its admin in: (access token, refresh token).
    func session(slug: String) async throws -> (access: String, refresh: String) {
        let password = "correct-horse-battery"
        let signUp = try #require(await call("POST", auth + "/v1/tenants", json: [
            "slug": slug, "name": slug, "admin": ["email": "admin@\(slug).test", "password": password, "name": "Admin"],
        ]))
        #expect(signUp.status == 201)
        let login = try #require(await call("POST", auth + "/v1/auth/login", json: ["tenant": slug, "email": "admin@\(slug).test", "password": password]))
        return (try #require(login.json()["access_token"] as? String), try #require(login.json()["refresh_token"] as? String))
    }
}
