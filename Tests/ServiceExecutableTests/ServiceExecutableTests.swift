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
            service, environment: ["PORT": "0", "DATABASE_URL": "sqlite:\(dataDirectory.path)/db.sqlite", "LOG_FORMAT": "text"])
        let port = try await process.listeningPort()
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
        #expect(response.status == .ok)
        #expect(response.headers["X-Request-ID"].first != nil)
        process.signal(signal)
        #expect(await process.waitForExit() == 0)
        #expect(process.capturedOutput.contains("Stopped"))
    }
}
