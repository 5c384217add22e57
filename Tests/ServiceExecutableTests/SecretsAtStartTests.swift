import Foundation
import Glibc
import ServiceTestSupport
import Testing

/// No secret of the configuration (an ingest key, the collector's ingest keys, a database password) shows
/// in what a service prints, logs or reports while it starts and runs, at the most verbose log level,
/// through every place a setting can come from: the start's `Configuration` line says that each was
/// set, and where, as `<secret>`.
@Suite struct SecretsAtStartTests {
    static let secrets = ["collector-key-not-to-be-seen-0001", "ingest-key-not-to-be-seen-0002", "password-not-to-be-seen-0003"]

    @Test(arguments: StartupFailureTests.services)
    func noSecretIsPrintedLoggedOrReported(service: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "secrets-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A directory of settings (as a mounted Kubernetes Secret): the collector's ingest keys.
        let settings = folder.appending(path: "settings")
        try FileManager.default.createDirectory(at: settings, withIntermediateDirectories: true)
        try Data("blog-service:\(Self.secrets[1])\n".utf8).write(to: settings.appending(path: "ingest-keys"))
        var environment = StartupFailureTests.environment(folder, database: "sqlite:\(folder.path)/db.sqlite")
        environment["INGEST_KEYS"] = nil
        environment["LOG_LEVEL"] = "trace"
        environment["CONFIG_DIRECTORY"] = settings.path
        environment["COLLECTOR_INGEST_KEY"] = Self.secrets[0]
        // A password in a database URL that cannot be reached: its refusals are logged too.
        environment["DATABASE_URL"] = "postgres://saas:\(Self.secrets[2])@127.0.0.1:\(freeLoopbackPort())/nothing?sslmode=disable"
        let process = try ServiceProcess(service, environment: environment, arguments: ["--log-format", "json"])
        _ = try await process.listeningPort()
        try await Task.sleep(for: .seconds(2))
        process.signal(SIGTERM)
        _ = await process.waitForExit(within: 15)

        let output = process.capturedOutput
        for secret in Self.secrets {
            #expect(!output.contains(secret), "\(service) shows a secret:\n\(output)")
        }
        let start = try #require(output.split(separator: "\n").first { $0.contains(#""msg":"Configuration""#) }, "\(output)")
        #expect(start.contains(#""DATABASE_URL":"<secret> (environment)""#), "\(start)")
        #expect(start.contains(#""LOG_FORMAT":"json (option)""#), "\(start)")
        if service == "observ-collector" {
            #expect(start.contains(#""INGEST_KEYS":"<secret> (file)""#), "\(start)")
        } else {
            #expect(start.contains(#""COLLECTOR_INGEST_KEY":"<secret> (environment)""#), "\(start)")
        }
    }
}
