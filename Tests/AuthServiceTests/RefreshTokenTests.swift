import Foundation
import GRDB
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing

@testable import AuthService

@Suite struct RefreshTokenTests {
    func refresh(_ client: any TestClientProtocol, _ token: String) async throws -> TestResponse {
        try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": token]))
    }

    @Test func eachRefreshRotatesThePair() async throws {
        try await AuthTestHarness().test { client in
            let (_, _, first) = try await client.adminSession("rotate")
            let response = try await refresh(client, first.refreshToken)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let second = try response.decode(TokenResponse.self)
            #expect(second.refreshToken != first.refreshToken)
            #expect(second.accessToken != first.accessToken)
            let me = try await client.send(.get, "/v1/auth/me", token: second.accessToken)
            #expect(me.status == .ok)
            #expect(try await refresh(client, second.refreshToken).status == .ok)
        }
    }

    /// A stolen token is worth one use at most: when the thief or the owner presents a rotated token,
    /// the whole family dies, including the newest token that the other party holds.
    @Test func reusingARotatedTokenRevokesTheWholeFamilyIncludingTheNewestDescendant() async throws {
        try await AuthTestHarness().test { client in
            let (_, _, first) = try await client.adminSession("reuse")
            let second = try await refresh(client, first.refreshToken).decode(TokenResponse.self)
            let third = try await refresh(client, second.refreshToken).decode(TokenResponse.self)

            let reuse = try await refresh(client, first.refreshToken)
            #expect(reuse.status == .unauthorized)
            #expect(reuse.error?.code == .authenticationFailed)
            #expect(try await refresh(client, third.refreshToken).status == .unauthorized, "the newest descendant is revoked too")
            #expect(try await refresh(client, second.refreshToken).status == .unauthorized)

            // Another login of the same user is another family, untouched.
            let other = try await client.login("reuse", "admin@reuse.test", "admin-password")
            #expect(try await refresh(client, other.refreshToken).status == .ok)
        }
    }

    @Test func withAGraceThePreviousTokenWorksOnceMoreWithinIt() async throws {
        let harness = AuthTestHarness { $0.refreshReuseGrace = .seconds(10) }
        try await harness.test { client in
            let (_, _, first) = try await client.adminSession("grace")
            let tabA = try await refresh(client, first.refreshToken).decode(TokenResponse.self)
            harness.clock.advance(by: 5)
            let tabB = try await refresh(client, first.refreshToken)
            #expect(tabB.status == .ok, "the second tab's refresh within the grace")
            let tabBTokens = try tabB.decode(TokenResponse.self)
            // Both tabs go on.
            #expect(try await refresh(client, tabA.refreshToken).status == .ok)
            #expect(try await refresh(client, tabBTokens.refreshToken).status == .ok)
        }
    }

    @Test func theGraceIsOneUseOnlyAndEnds() async throws {
        let harness = AuthTestHarness { $0.refreshReuseGrace = .seconds(10) }
        try await harness.test { client in
            let (_, _, first) = try await client.adminSession("grace-once")
            let next = try await refresh(client, first.refreshToken).decode(TokenResponse.self)
            #expect(try await refresh(client, first.refreshToken).status == .ok)
            #expect(try await refresh(client, first.refreshToken).status == .unauthorized, "a second reuse is a reuse")
            #expect(try await refresh(client, next.refreshToken).status == .unauthorized, "and it revoked the family")

            let (_, _, late) = try await client.adminSession("grace-late")
            let lateNext = try await refresh(client, late.refreshToken).decode(TokenResponse.self)
            harness.clock.advance(by: 11)
            #expect(try await refresh(client, late.refreshToken).status == .unauthorized, "after the grace")
            #expect(try await refresh(client, lateNext.refreshToken).status == .unauthorized)
        }
    }

    @Test func withoutAGraceAnImmediateReuseRevokes() async throws {
        try await AuthTestHarness().test { client in
            let (_, _, first) = try await client.adminSession("no-grace")
            let next = try await refresh(client, first.refreshToken).decode(TokenResponse.self)
            #expect(try await refresh(client, first.refreshToken).status == .unauthorized)
            #expect(try await refresh(client, next.refreshToken).status == .unauthorized)
        }
    }

    @Test func anExpiredRefreshTokenIsRefused() async throws {
        let harness = AuthTestHarness { $0.refreshTokenTTL = .seconds(3600) }
        try await harness.test { client in
            let (_, _, tokens) = try await client.adminSession("expiry")
            harness.clock.advance(by: 3601)
            #expect(try await refresh(client, tokens.refreshToken).status == .unauthorized)
        }
    }

    @Test func unknownAndMalformedTokensAreRefused() async throws {
        try await AuthTestHarness().test { client in
            #expect(try await refresh(client, RefreshTokenSecret.generate()).status == .unauthorized)
            // A token of the wrong shape is refused before any lookup, naming the field.
            for malformed in ["", "abc\u{0}def", String(repeating: "a", count: 513), "not base64!"] {
                let response = try await refresh(client, malformed)
                #expect(response.status == .badRequest)
                #expect(response.error?.details?.first?.field == "refresh_token")
            }
            let missing = try await client.send(.post, "/v1/auth/refresh", body: json([:]))
            #expect(missing.status == .badRequest)
            #expect(missing.error?.details?.first?.field == "refresh_token")
        }
    }

    @Test func logoutRevokesTheFamily() async throws {
        try await AuthTestHarness().test { client in
            let (_, _, first) = try await client.adminSession("logout")
            let second = try await refresh(client, first.refreshToken).decode(TokenResponse.self)
            let logout = try await client.send(.post, "/v1/auth/logout", body: json(["refresh_token": first.refreshToken]))
            #expect(logout.status == .noContent)
            #expect(try await refresh(client, second.refreshToken).status == .unauthorized)
            // Logging out again, or with an unknown token, is not an error.
            #expect(try await client.send(.post, "/v1/auth/logout", body: json(["refresh_token": second.refreshToken])).status == .noContent)
            #expect(try await client.send(.post, "/v1/auth/logout", body: json(["refresh_token": "unknown"])).status == .noContent)
        }
    }

    @Test func aDeactivatedUsersRefreshTokensAreRevoked() async throws {
        try await AuthTestHarness().test { client in
            let (_, _, admin) = try await client.adminSession("deact")
            let (user, tokens) = try await client.member("deact", adminToken: admin.accessToken, email: "leaver@deact.test")
            #expect(try await client.send(.delete, "/v1/users/\(user.id)", token: admin.accessToken).status == .noContent)
            #expect(try await refresh(client, tokens.refreshToken).status == .unauthorized)
            // Reactivation does not bring the old session back.
            #expect(try await client.send(.patch, "/v1/users/\(user.id)", token: admin.accessToken, body: json(["is_active": true])).status == .ok)
            #expect(try await refresh(client, tokens.refreshToken).status == .unauthorized)
        }
    }

    @Test func theHousekeepingPurgeDeletesExpiredTokensAndOldRevocations() async throws {
        let harness = AuthTestHarness()
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("purge")
            #expect(try await client.send(.post, "/v1/auth/logout-all", token: admin.accessToken).status == .noContent)
        }
        let database = try openSQLiteDatabase(path: harness.databasePath)
        let store = SQLiteAuthStore(database).repositories
        let housekeeping = AuthHousekeeping(
            refreshTokens: store.refreshTokens, revocations: store.revocations,
            revocationHorizonSeconds: harness.configuration.accessTokenHorizonSeconds, attempts: RateLimiter(perMinute: 10), interval: .seconds(600),
            now: { harness.clock.now.addingTimeInterval(8 * 24 * 3600) }, logger: .init(label: "test"))
        try await housekeeping.purge()
        let remaining = try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM refresh_tokens")!, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM revocations")!)
        }
        #expect(remaining == (0, 0))
    }
}
