import Foundation
import SaaSClient

/// The typed clients (the package's `SaaSClient` product, generated from the OpenAPI documents) of a
/// stack's three services, as another Swift service would use them.
extension Stack {
    func authClient(token: String? = nil) -> AuthClient.Client {
        AuthClient.Client(
            serverURL: URL(string: "http://127.0.0.1:\(authPort)")!, configuration: .saas, transport: AsyncHTTPClientTransport(),
            middlewares: token.map { [BearerToken($0)] } ?? [])
    }

    func blogClient(token: String) -> BlogClient.Client {
        BlogClient.Client(
            serverURL: URL(string: "http://127.0.0.1:\(blogPort)")!, configuration: .saas, transport: AsyncHTTPClientTransport(),
            middlewares: [BearerToken(token)])
    }

    func collectorClient(token: String) -> CollectorClient.Client {
        CollectorClient.Client(
            serverURL: collectorURL, configuration: .saas, transport: AsyncHTTPClientTransport(), middlewares: [BearerToken(token)])
    }
}

/// Asks `read` again, every 50 ms for up to 10 s, until `done` holds of its answer; the last answer.
func poll<T: Sendable>(_ read: @Sendable () async throws -> T, until done: @Sendable (T) -> Bool) async throws -> T {
    var value = try await read()
    for _ in 0..<200 where !done(value) {
        try await Task.sleep(for: .milliseconds(50))
        value = try await read()
    }
    return value
}
