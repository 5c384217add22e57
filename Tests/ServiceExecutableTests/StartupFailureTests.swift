import Foundation
import Glibc
import ServiceTestSupport
import Testing

/// Whatever stops a service from starting, it says why and exits non-zero within seconds; and SIGTERM
/// ends a service that never became ready (its PostgreSQL unreachable) within a bounded time.
@Suite struct StartupFailureTests {
    static let services = ["auth-service", "blog-service", "observ-collector"]

    static func environment(_ folder: URL, database: String) -> [String: String] {
        [
            "PORT": "0", "DATABASE_URL": database, "LOG_FORMAT": "text", "JWT_SIGNING_KEY_FILE": folder.appending(path: "keys.json").path,
            "INGEST_KEYS": "blog-service:0123456789abcdef0123",
        ]
    }

    /// A database path that cannot be a database: a directory stands where the file should be.
    @Test(arguments: services)
    func aDatabaseThatCannotBeOpenedStopsStartUpWithAReason(service: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "startup-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appending(path: "db.sqlite")
        try FileManager.default.createDirectory(at: database, withIntermediateDirectories: true)
        let process = try ServiceProcess(service, environment: Self.environment(folder, database: "sqlite:\(database.path)"))
        let status = await process.waitForExit(within: 20)
        #expect(status != nil, "\(service) did not exit; its output:\n\(process.capturedOutput)")
        #expect(status.map { $0 != 0 } ?? false)
        #expect(process.capturedOutput.contains("cannot start") && process.capturedOutput.contains(database.path), "\(process.capturedOutput)")
    }

    @Test func aSigningKeyFileThatIsNotAKeySetStopsTheAuthService() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "startup-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keys = folder.appending(path: "keys.json")
        try #require(FileManager.default.createFile(atPath: keys.path, contents: Data("not a key set".utf8), attributes: [.posixPermissions: 0o600]))
        let process = try ServiceProcess("auth-service", environment: Self.environment(folder, database: "sqlite:\(folder.path)/db.sqlite"))
        let status = await process.waitForExit(within: 20)
        #expect(status == 78, "\(process.capturedOutput)")
        #expect(process.capturedOutput.contains("JWT_SIGNING_KEY_FILE"), "\(process.capturedOutput)")
    }

    /// A service whose PostgreSQL does not answer within `DATABASE_STARTUP_TIMEOUT` gives up, says why
    /// and exits 1 (until then it runs, not ready, trying again every second).
    @Test(arguments: services)
    func aDatabaseThatNeverAnswersStopsTheStartAfterItsTimeout(service: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "startup-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = Self.environment(folder, database: "postgres://saas@127.0.0.1:\(freeLoopbackPort())/nothing?sslmode=disable")
        environment["DATABASE_STARTUP_TIMEOUT"] = "2s"
        let process = try ServiceProcess(service, environment: environment)
        let status = await process.waitForExit(within: 30)
        #expect(status == 1, "\(service): \(process.capturedOutput)")
        #expect(process.capturedOutput.contains("DATABASE_STARTUP_TIMEOUT"), "\(process.capturedOutput)")
    }

    /// A service whose PostgreSQL never answers keeps trying (it is not ready) and ends on SIGTERM
    /// within seconds, however far its start got.
    @Test(arguments: services)
    func sigtermEndsAServiceWhoseDatabaseNeverAnswered(service: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "startup-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A port nothing listens on: connections are refused at once, again and again.
        let port = freeLoopbackPort()
        let process = try ServiceProcess(service, environment: Self.environment(
            folder, database: "postgres://saas@127.0.0.1:\(port)/nothing?sslmode=disable"))
        _ = try await process.listeningPort()
        try await Task.sleep(for: .seconds(1))
        process.signal(SIGTERM)
        let status = await process.waitForExit(within: 15)
        #expect(status != nil, "\(service) did not stop on SIGTERM; its output:\n\(process.capturedOutput)")
    }
}
