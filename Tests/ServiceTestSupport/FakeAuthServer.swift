import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceKit
import Synchronization
import TokenVerification

/// Serves `/.well-known/jwks.json` and `/.well-known/revocations` on a loopback port, as the auth
/// service would, with contents a test changes at will, and counts the JWKS requests.
public final class FakeAuthServer: Sendable {
    public let jwks: Mutex<JSONWebKeySet>
    public let revoked = Mutex<[RevocationDocument.Entry]>([])
    public let jwksRequests = Mutex(0)

    public init(keys: [SigningKey]) {
        jwks = Mutex(JSONWebKeySet(keys: keys.map(\.publicJWK)))
    }

    public func publish(_ keys: [SigningKey]) {
        jwks.withLock { $0 = JSONWebKeySet(keys: keys.map(\.publicJWK)) }
    }

    /// Starts the server, runs `body` with its base URL, then stops the server.
    public func whileRunning<Value: Sendable>(_ body: @Sendable (URL) async throws -> Value) async throws -> Value {
        let router = Router()
        router.get("/.well-known/jwks.json") { _, _ in
            self.jwksRequests.withLock { $0 += 1 }
            return try Response.json(self.jwks.withLock { $0 })
        }
        router.get("/.well-known/revocations") { _, _ in
            try Response.json(RevocationDocument(revoked: self.revoked.withLock { $0 }))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: Logger(label: "fake-auth") { _ in SwiftLogNoOpLogHandler() })
        return try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }
}

extension URL {
    public var jwks: URL { appending(path: ".well-known/jwks.json") }
    public var revocations: URL { appending(path: ".well-known/revocations") }
}

/// A logger that drops everything, for background services in tests.
public let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
