import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceKit
import Synchronization

@testable import TokenVerification

/// Serves `/.well-known/jwks.json` and `/.well-known/revocations` on a loopback port, as the auth
/// service would, with contents a test changes at will, and counts the JWKS requests.
final class FakeAuthServer: Sendable {
    let jwks: Mutex<JSONWebKeySet>
    let revoked = Mutex<[RevocationDocument.Entry]>([])
    let jwksRequests = Mutex(0)

    init(keys: [SigningKey]) {
        jwks = Mutex(JSONWebKeySet(keys: keys.map(\.publicJWK)))
    }

    func publish(_ keys: [SigningKey]) {
        jwks.withLock { $0 = JSONWebKeySet(keys: keys.map(\.publicJWK)) }
    }

    /// Starts the server, runs `body` with its base URL, then stops the server.
    func whileRunning<Value: Sendable>(_ body: @Sendable (URL) async throws -> Value) async throws -> Value {
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
    var jwks: URL { appending(path: ".well-known/jwks.json") }
    var revocations: URL { appending(path: ".well-known/revocations") }
}

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
