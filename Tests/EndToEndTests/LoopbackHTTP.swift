import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit
import ServiceLifecycle

/// Runs `app` (configured with a fixed loopback port) while `body` runs, then shuts it down gracefully.
/// HummingbirdTesting's live mode always picks its own port; the services of a stack must know each
/// other's ports before any of them starts.
func serving<Value: Sendable>(
    _ app: some ApplicationProtocol, port: Int, readyAt path: String = "/readyz", _ body: @Sendable () async throws -> Value
) async throws -> Value {
    let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "e2e") { _ in SwiftLogNoOpLogHandler() }))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await waitUntilListening(port: port, path: path)
            let value = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return value
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Waits until the service on `port` answers 200 at `path` (`/readyz`: its database migrated and answering).
func waitUntilListening(port: Int, path: String = "/readyz") async throws {
    for _ in 0..<400 {
        if (try? await LoopbackHTTP(port: port).send(.GET, path).status) == 200 { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    throw LoopbackHTTP.NotListening(port: port)
}

/// Requests to a service on a loopback port, over AsyncHTTPClient: real HTTP, as another process would send.
struct LoopbackHTTP: Sendable {
    let port: Int

    struct Reply: Sendable {
        let status: UInt
        let headers: HTTPHeaders
        let body: ByteBuffer

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try ContractJSON.makeDecoder().decode(T.self, from: body)
        }
    }

    struct NotListening: Error {
        let port: Int
    }

    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json body: [String: Any]? = nil, requestID: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let requestID { request.headers.add(name: "X-Request-ID", value: requestID) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Reply(status: response.status.code, headers: response.headers, body: try await response.body.collect(upTo: 10 << 20))
    }

    /// Asks until `done` holds of the decoded answer (events arrive after a flush), or gives up.
    func poll<T: Decodable & Sendable>(_ path: String, token: String, as type: T.Type, until done: @Sendable (T) -> Bool) async throws -> T {
        var last: T?
        for _ in 0..<200 {
            let reply = try await send(.GET, path, token: token)
            if reply.status == 200 {
                let value = try reply.decode(T.self)
                if done(value) { return value }
                last = value
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        if let last { return last }
        return try await send(.GET, path, token: token).decode(T.self)
    }
}
