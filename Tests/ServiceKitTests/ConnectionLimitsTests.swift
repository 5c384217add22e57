import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceTestSupport
import Testing

@testable import ServiceKit

/// The contract's connection limits (the hardening issue's finding 7): a request head not complete in
/// time, and an idle connection, are closed; a connection that keeps talking is not.
@Suite struct ConnectionLimitsTests {
    static let limits = ConnectionLimits(requestHeadTimeout: .milliseconds(300), idleTimeout: .seconds(1))

    func withServer(_ limits: ConnectionLimits = limits, _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router(context: BasicServiceRequestContext.self)
        router.get("/hello") { _, _ in "hello" }
        let app = Application(
            router: router, server: limits.http1, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: Logger(label: "limits") { _ in SwiftLogNoOpLogHandler() })
        try await app.test(.live) { client in try await body(client.port!) }
    }

    /// The head timeout, not the idle one: bytes keep arriving, the head never ends.
    @Test func aHeadThatNeverEndsIsClosed() async throws {
        try await withServer(ConnectionLimits(requestHeadTimeout: .milliseconds(300), idleTimeout: .seconds(60))) { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /hello HTTP/1.1\r\nHost: test\r\nX-Slow: ")
            // A byte every 50 ms: never idle, never done. The server closes it; a send then fails.
            var closed = false
            for _ in 0..<200 where !closed {
                try await Task.sleep(for: .milliseconds(50))
                closed = (try? connection.send("a")) == nil
            }
            #expect(closed, "closed by the server within 10 s")
        }
    }

    @Test func anIdleConnectionIsClosed() async throws {
        try await withServer { port in
            let connection = try RawConnection(port: port)
            let (_, closed) = try await connection.readUntilClosed(timeout: .seconds(10))
            #expect(closed)
        }
    }

    /// Past the head timeout between requests, a keep-alive connection is still served: only a head
    /// under way is timed.
    @Test func aConnectionBetweenRequestsIsOnlyIdle() async throws {
        try await withServer(ConnectionLimits(requestHeadTimeout: .milliseconds(300), idleTimeout: .seconds(30))) { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try await connection.readAvailable(timeout: .seconds(5)).hasPrefix("HTTP/1.1 200"))
            try await Task.sleep(for: .milliseconds(600))  // twice the head timeout
            try connection.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try await connection.readAvailable(timeout: .seconds(5)).hasPrefix("HTTP/1.1 200"))
        }
    }
}
