import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import ServiceTestSupport
import Synchronization
import Testing

@testable import ServiceKit

/// `ServiceApplication` runs an application as Hummingbird does, with a date cache of its own.
@Suite struct ServiceApplicationTests {
    @Test func theDateIsRFC9110sIMFFixdate() {
        #expect(HTTPDateCache.imfFixdate(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDateCache.imfFixdate(Date(timeIntervalSince1970: 1_796_688_000.9)) == "Tue, 08 Dec 2026 00:00:00 GMT")
    }

    /// Served: its routes, with the `Date` and `Server` headers Hummingbird's run sets; then stopped by
    /// a graceful shutdown, its services stopped too.
    @Test func itServesWithTheDateAndServerHeadersAndStopsOnGracefulShutdown() async throws {
        let router = Router(context: BasicServiceRequestContext.self)
        router.get("/hello") { _, _ in "hello" }
        let port = Mutex<Int?>(nil)
        let logger = Logger(label: "application") { _ in SwiftLogNoOpLogHandler() }
        let app = ServiceApplication(
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "test-service"),
                onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger))
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var listening: Int?
            for _ in 0..<1_000 where listening == nil {
                listening = port.withLock { $0 }
                if listening == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            let asked = Date()
            let answer = try await {
                let connection = try RawConnection(port: try #require(listening))  // closed before the shutdown
                try connection.send("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                return try await connection.readUntilClosed(timeout: .seconds(10)).text
            }()
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.contains("\r\nserver: test-service\r\n") || answer.contains("\r\nServer: test-service\r\n"))
            let date = try #require(answer.split(separator: "\r\n").first { $0.lowercased().hasPrefix("date: ") }).dropFirst(6)
            // The second the response was made, give or take the cache's tick: between just before the
            // request (less the tick) and now, however slowly the machine answered.
            let seconds = Int(asked.timeIntervalSince1970) - 2...Int(Date().timeIntervalSince1970) + 1
            let dates = seconds.map { HTTPDateCache.imfFixdate(Date(timeIntervalSince1970: TimeInterval($0))) }
            #expect(dates.contains(String(date)), "\(date) is not within \(dates.first ?? "")…\(dates.last ?? "")")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
