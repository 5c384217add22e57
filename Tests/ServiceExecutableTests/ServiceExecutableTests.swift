import AsyncHTTPClient
import Foundation
import Testing

/// The three executables start, answer, and stop cleanly; a bad setting stops them at start.
@Suite struct ServiceExecutableTests {
    static let services = ["auth-service", "blog-service", "observ-collector"]

    @Test(arguments: services)
    func aPortThatIsNotANumberStopsStartUpNamingPORT(service: String) async throws {
        let process = try ServiceProcess(service, environment: ["PORT": "abc"])
        #expect(await process.waitForExit() == 78)
        #expect(process.capturedOutput.contains("\(service): configuration error: PORT: 'abc' is not a whole number"))
    }

    @Test func aMistypedOptionStopsStartUp() async throws {
        let process = try ServiceProcess("blog-service", environment: [:], arguments: ["--prot", "9000"])
        #expect(await process.waitForExit() == 78)
        #expect(process.capturedOutput.contains("--prot: unknown option"))
    }

    @Test(arguments: zip(services, [SIGTERM, SIGINT, SIGTERM]))
    func startsAnswersAndStopsCleanlyOnASignal(service: String, signal: Int32) async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "exec-test-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let process = try ServiceProcess(
            service, environment: [
                "PORT": "0", "DATABASE_URL": "sqlite:\(dataDirectory.path)/db.sqlite", "LOG_FORMAT": "text",
                "JWT_SIGNING_KEY_FILE": "\(dataDirectory.path)/keys.json",
            ])
        let port = try await process.listeningPort()
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
        #expect(response.status == .ok)
        #expect(response.headers["X-Request-ID"].first != nil)
        process.signal(signal)
        #expect(await process.waitForExit() == 0)
        #expect(process.capturedOutput.contains("Stopped"))
    }

    @Test func theAuthServiceRotatesItsSigningKeyOnCommand() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "exec-test-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let keyFile = dataDirectory.appending(path: "keys.json").path
        for expectedKeys in [1, 2] {
            let process = try ServiceProcess("auth-service", environment: [:], arguments: ["rotate-signing-key", "--jwt-signing-key-file", keyFile])
            #expect(await process.waitForExit() == 0)
            #expect(process.capturedOutput.contains("New signing key"))
            let set = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: keyFile))) as? [String: [Any]]
            #expect(set?["keys"]?.count == expectedKeys)
        }
        let typo = try ServiceProcess("auth-service", environment: [:], arguments: ["rotate-signing-key", "--jwt-signing-key-fil", keyFile])
        #expect(await typo.waitForExit() == 78)
    }
}
