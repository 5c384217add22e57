import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
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

    /// `make run` labels each service's lines through a pipe that Ctrl-C ends before the services have
    /// stopped: their last lines cannot be written, and they stop cleanly all the same (they crashed).
    @Test func aServiceWhoseOutputIsGoneStillStopsCleanly() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "exec-test-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let process = try ServiceProcess(
            "observ-collector", environment: ["PORT": "0", "DATABASE_URL": "sqlite:\(dataDirectory.path)/db.sqlite", "LOG_FORMAT": "text"])
        _ = try await process.listeningPort()
        try process.closeOutput()
        process.signal(SIGINT)
        #expect(await process.waitForExit() == 0)
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

    /// The collector killed outright (SIGKILL, no graceful shutdown) right after acknowledging: every
    /// acknowledged event is in the database when it is opened again (WAL, `synchronous=NORMAL`).
    @Test func theCollectorKeepsAcknowledgedEventsThroughAKill() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "exec-test-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let databasePath = dataDirectory.appending(path: "events.sqlite").path
        let key = "blog-key-0123456789abcdef"
        let process = try ServiceProcess(
            "observ-collector", environment: ["PORT": "0", "DATABASE_URL": "sqlite:\(databasePath)", "INGEST_KEYS": "blog-service:\(key)"])
        let port = try await process.listeningPort()
        var acknowledged = 0
        for batch in 0..<20 {
            let events = (0..<100).map { index in
                #"{"type":"request","ts":"2026-11-22T10:00:00.000Z","service":"blog-service","request_id":"b\#(batch)-\#(index)","method":"GET","path":"/","status":200,"duration_ms":1}"#
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            request.headers.add(name: "Content-Type", value: "application/x-ndjson")
            request.body = .bytes(ByteBuffer(string: events.joined(separator: "\n")))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            if response.status == .accepted { acknowledged += 100 }
        }
        process.signal(SIGKILL)
        _ = await process.waitForExit()
        #expect(acknowledged == 2_000)
        let database = try DatabaseQueue(path: databasePath)
        let stored = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT request_id) FROM events") }
        #expect(stored == acknowledged)
    }
}
