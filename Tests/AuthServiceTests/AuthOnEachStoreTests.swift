import DatabaseKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// The auth service's routes on each store (`buildRouter`): what a user does, answered the same way
/// whatever the database.
@Suite struct AuthOnEachStoreTests {
    /// Runs `body` against the auth router on a fresh store of `kind`.
    func withAuthRouter(_ kind: StoreKind, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let harness = AuthTestHarness()
        try await withAuthStore(kind) { store in
            let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            let keyFile = SigningKeyFile(path: NSTemporaryDirectory() + "keys-\(UUID().uuidString).json")
            let horizon = harness.configuration.accessTokenHorizonSeconds
            let keys = SigningKeys(
                try await keyFile.loadOrCreate(now: harness.clock.now, retention: horizon, logger: logger), file: keyFile, retention: horizon,
                interval: .seconds(5), now: harness.clock.closure, logger: logger)
            let revocations = RevocationCache(
                repository: store.repositories.revocations, horizonSeconds: harness.configuration.accessTokenHorizonSeconds,
                now: harness.clock.closure, logger: logger)
            try await revocations.reload()
            let router = try buildRouter(
                configuration: harness.configuration, store: store, keys: keys, revocations: revocations, metrics: ServiceMetrics(),
                now: harness.clock.closure)
            try await Application(router: router).test(.router, conformingTo: AuthOpenAPIDocument.assembled, body)
        }
    }

    @Test(arguments: StoreKind.available)
    func aSessionLivesAndEndsTheSameOnEachStore(kind: StoreKind) async throws {
        try await withAuthRouter(kind) { client in
            let (_, admin, tokens) = try await client.adminSession("each-\(kind.rawValue)")
            #expect(try await client.send(.post, "/v1/tenants", body: json([
                "slug": "each-\(kind.rawValue)", "name": "Again", "admin": ["email": "x@x.test", "password": "admin-password", "name": "X"],
            ])).status == .conflict)
            // Rotation, then reuse of the spent token: the family is revoked.
            let refreshed = try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": tokens.refreshToken]))
            #expect(refreshed.status == .ok)
            let next = try refreshed.decode(TokenResponse.self)
            #expect(try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": tokens.refreshToken])).status == .unauthorized)
            #expect(try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": next.refreshToken])).status == .unauthorized)
            // The last admin cannot step down; with a second admin, they can.
            let demote = json(["role": "user"])
            #expect(try await client.send(.patch, "/v1/users/\(admin.id)", token: next.accessToken, body: demote).status == .conflict)
            let (second, _) = try await client.member("each-\(kind.rawValue)", adminToken: next.accessToken, email: "second@x.test", role: .admin)
            #expect(try await client.send(.patch, "/v1/users/\(admin.id)", token: next.accessToken, body: demote).status == .ok)
            // The demotion cut the old access token off.
            #expect(try await client.send(.get, "/v1/auth/me", token: next.accessToken).status == .unauthorized)
            #expect(second.role == .admin)
            let revocations = try await client.send(.get, "/.well-known/revocations")
            #expect(String(buffer: revocations.body).contains(admin.id.lowercased()))
        }
    }
}
