import DatabaseKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceKit
import Synchronization
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// The auth service's routes on each store (`buildRouter`): what a user does, answered the same way
/// whatever the database.
@Suite struct AuthOnEachStoreTests {
    /// Runs `body` against the auth router on a fresh store of `kind`.
    func withAuthRouter(
        _ kind: StoreKind, wrap: @escaping @Sendable (any AuthStore) -> any AuthStore = { $0 },
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let harness = AuthTestHarness()
        try await withAuthStore(kind) { store in
            let store = wrap(store)
            let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            let keyFile = SigningKeyFile(path: harness.folder.path + "router-keys.json")
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

    /// A wrong password, an unknown email, an unknown tenant and an inactive user: one answer.
    /// (On each store: the tenant and the user are one read, a join on PostgreSQL.)
    @Test(arguments: StoreKind.available)
    func theFourLoginFailuresAnswerTheSame401(kind: StoreKind) async throws {
        try await withAuthRouter(kind) { client in
            let (_, _, tokens) = try await client.adminSession("same")
            let (inactive, _) = try await client.member("same", adminToken: tokens.accessToken, email: "gone@same.test")
            #expect(try await client.send(.delete, "/v1/users/\(inactive.id)", token: tokens.accessToken).status == .noContent)

            let attempts = [
                ["tenant": "same", "email": "admin@same.test", "password": "wrong-password"],
                ["tenant": "same", "email": "nobody@same.test", "password": "admin-password"],
                ["tenant": "no-such-tenant", "email": "admin@same.test", "password": "admin-password"],
                ["tenant": "same", "email": "gone@same.test", "password": "member-password"],
            ]
            var answers: Set<String> = []
            for attempt in attempts {
                let response = try await client.send(.post, "/v1/auth/login", body: json(attempt))
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == nil, "a login is not a Bearer challenge")
                let error = try #require(response.error)
                #expect(error.code == .authenticationFailed)
                answers.insert("\(error.message)|\(error.details ?? [])|\(response.headers[.contentLength] ?? "")")
            }
            #expect(answers.count == 1, "\(answers)")
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

    /// A refresh whose exchange is under way (its transaction open, the successor stored) while a
    /// cut-off of the same user is made: whichever the database lets go first, nothing handed out
    /// outlives the cut-off. (On PostgreSQL, a cut-off that waited for the exchange used to revoke the
    /// user's tokens as they were before the successor was committed, and the successor lived on.)
    @Test(arguments: StoreKind.available)
    func aCutOffDuringARefreshLeavesItNothing(kind: StoreKind) async throws {
        let gate = ExchangeGate()
        try await withAuthRouter(kind, wrap: { GatedExchangeStore(store: $0, gate: gate) }) { client in
            let slug = "race-\(kind.rawValue)"
            let (_, _, admin) = try await client.adminSession(slug)
            let (_, member) = try await client.member(slug, adminToken: admin.accessToken, email: "m@\(slug).test")
            gate.arm()
            async let refreshing = client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": member.refreshToken]))
            try await gate.waitUntilHeld()
            // The cut-off starts while the exchange holds its transaction open, and waits on it.
            async let cutting = client.send(.post, "/v1/auth/logout-all", token: member.accessToken)
            try await Task.sleep(for: .milliseconds(300))
            gate.release()
            let (refreshed, cut) = try await (refreshing, cutting)
            #expect(cut.status == .noContent, "\(cut.text)")
            guard refreshed.status == .ok else {
                #expect(refreshed.status == .unauthorized, "\(refreshed.text)")
                return
            }
            let successor = try refreshed.decode(TokenResponse.self)
            let again = try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": successor.refreshToken]))
            #expect(again.status == .unauthorized, "the refresh token handed out during the cut-off outlives it: \(again.text)")
        }
    }
}

/// Holds the first refresh exchange armed for, inside its transaction, once it has stored the successor.
final class ExchangeGate: Sendable {
    private let state = Mutex<(armed: Bool, held: Bool, released: Bool)>((false, false, false))

    func arm() { state.withLock { $0.armed = true } }
    func release() { state.withLock { $0.released = true } }

    /// Called by the store after a successor was stored: waits for `release()` when armed (once).
    func pass() async throws {
        guard state.withLock({ state in
            guard state.armed else { return false }
            state.armed = false
            state.held = true
            return true
        }) else { return }
        while !state.withLock({ $0.released }) { try await Task.sleep(for: .milliseconds(5)) }
    }

    func waitUntilHeld() async throws {
        for _ in 0..<2_000 where !state.withLock({ $0.held }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(state.withLock { $0.held }, "the refresh reached its exchange")
    }
}

/// A store whose transactions' refresh-token inserts pass through `gate`. Its exchange and its opening
/// of a session are the ones made of steps (`exchangeStepByStep`, `openSessionStepByStep`), so that the
/// gate sits inside them; PostgreSQL's own, one statement each, are raced with a cut-off in
/// `AuthStoreContractTests`.
struct GatedExchangeStore: AuthStore {
    let store: any AuthStore
    let gate: ExchangeGate

    var repositories: AuthRepositories { store.repositories }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (AuthRepositories) async throws -> Result) async throws -> Result {
        try await store.transaction { [gate] storage in
            try await body(AuthRepositories(
                tenants: storage.tenants, users: storage.users,
                refreshTokens: GatedRefreshTokens(tokens: storage.refreshTokens, gate: gate), revocations: storage.revocations))
        }
    }

    func exchange(_ token: UUID, by claim: RefreshClaim, for successor: RefreshTokenRecord, issuedTo user: User) async throws -> RefreshExchange {
        try await exchangeStepByStep(token, by: claim, for: successor, issuedTo: user)
    }

    func openSession(with token: RefreshTokenRecord, issuedTo user: User) async throws -> Bool {
        try await openSessionStepByStep(with: token, issuedTo: user)
    }

    func ping() async throws -> Int { try await store.ping() }

    func attemptLimiter(perMinute limit: Int, capacity: Int, now: @escaping @Sendable () -> Date) -> any AttemptLimiter {
        store.attemptLimiter(perMinute: limit, capacity: capacity, now: now)
    }
}

struct GatedRefreshTokens: RefreshTokenRepository {
    let tokens: any RefreshTokenRepository
    let gate: ExchangeGate

    func insert(_ token: RefreshTokenRecord) async throws {
        try await tokens.insert(token)
        try await gate.pass()
    }

    func find(tokenHash: Data) async throws -> RefreshTokenRecord? { try await tokens.find(tokenHash: tokenHash) }
    func findWithOwner(tokenHash: Data) async throws -> OwnedRefreshToken? { try await tokens.findWithOwner(tokenHash: tokenHash) }
    func markRotated(id: UUID, at date: Date, successor: UUID) async throws -> Bool { try await tokens.markRotated(id: id, at: date, successor: successor) }
    func spendGrace(id: UUID, rotatedSince: Date) async throws -> Bool { try await tokens.spendGrace(id: id, rotatedSince: rotatedSince) }
    func revokeFamily(_ familyID: UUID, at date: Date) async throws { try await tokens.revokeFamily(familyID, at: date) }
    func revokeAll(userID: UUID, at date: Date) async throws { try await tokens.revokeAll(userID: userID, at: date) }
    func deleteExpired(before date: Date) async throws -> Int { try await tokens.deleteExpired(before: date) }
}
