import Foundation
import Synchronization
import Testing

@testable import TokenVerification

@Suite struct AccessTokenVerifierTests {
    let fixture = TokenFixture()

    @Test func aValidTokenProvesItsCaller() async throws {
        let user = try await fixture.verifier().verify(try await fixture.sign())
        #expect(user.userID == fixture.userID)
        #expect(user.tenantID == fixture.tenantID)
        #expect(user.tenantSlug == "acme")
        #expect(user.role == .moderator)
        #expect(user.expiresAt == TokenFixture.now + 900)
    }

    @Test(arguments: ForgedToken.allCases)
    func forgedAndBrokenTokensAreRefusedWithTheirReason(_ forged: ForgedToken) async throws {
        let (token, reason) = try await forged.make(fixture)
        await #expect(throws: reason) { try await fixture.verifier().verify(token) }
    }

    @Test(arguments: ForgedToken.withinLeeway)
    func tokensWithinTheLeewayPass(issuedAgo offset: Int) async throws {
        let claims = fixture.claims(issuedAt: TokenFixture.now + offset)
        _ = try await fixture.verifier().verify(try await fixture.sign(claims))
    }

    @Test func anAudienceListContainingOursPasses() async throws {
        var claims = fixture.claims()
        claims.audience = ["other", TokenFixture.audience]
        _ = try await fixture.verifier().verify(try await fixture.sign(claims))
    }

    @Test func theAlgorithmIsCheckedBeforeAnyKeyIsLookedUp() async throws {
        let keys = CountingKeySource(StaticKeySource(try await fixture.keySet()))
        let verifier = try await fixture.verifier(keys: keys)
        for forged in [ForgedToken.algNone, .hs256WithPublicKeyAsSecret, .rs256Header, .edDSAHeader] {
            _ = try? await verifier.verify(try await forged.make(fixture).token)
        }
        #expect(keys.lookups == 0)
    }

    @Test func aReusedTokenIsServedFromTheCache() async throws {
        let keys = CountingKeySource(StaticKeySource(try await fixture.keySet()))
        let verifier = try await fixture.verifier(keys: keys)
        let token = try await fixture.sign()
        let first = try await verifier.verify(token)
        let second = try await verifier.verify(token)
        #expect(first == second)
        #expect(keys.lookups == 1)
        _ = try await verifier.verify(try await fixture.sign())
        #expect(keys.lookups == 2)
    }

    @Test func aCachedTokenStillExpires() async throws {
        let cache = VerifiedTokenCache()
        let keys = StaticKeySource(try await fixture.keySet())
        let token = try await fixture.sign()
        let early = AccessTokenVerifier(settings: fixture.settings, keys: keys, cache: cache, now: { Date(timeIntervalSince1970: TimeInterval(TokenFixture.now)) })
        _ = try await early.verify(token)
        let late = AccessTokenVerifier(
            settings: fixture.settings, keys: keys, cache: cache, now: { Date(timeIntervalSince1970: TimeInterval(TokenFixture.now + 931)) })
        await #expect(throws: TokenRejection.expired) { try await late.verify(token) }
    }

    @Test func theCacheIsBounded() {
        let cache = VerifiedTokenCache(capacity: 2)
        let user = AuthenticatedUser(userID: UUID(), tenantID: UUID(), tenantSlug: "a", role: .user, tokenID: "j", issuedAt: 0, expiresAt: 100)
        for token in ["a", "b", "c"] { cache.insert(user, for: token, validUntil: 100) }
        #expect(cache.count == 2)
        #expect(cache.user(for: "a", now: 0) == nil)
        #expect(cache.user(for: "c", now: 0) == user)
        #expect(cache.user(for: "c", now: 101) == nil)
    }

    @Test func aTokenIssuedBeforeItsSubjectsNotBeforeIsRevoked() async throws {
        let revocations = FixedRevocations()
        let verifier = try await fixture.verifier(revocations: revocations)
        let token = try await fixture.sign()
        _ = try await verifier.verify(token)
        revocations.set(fixture.userID.uuidString.lowercased(), notBefore: TokenFixture.now + 1)
        // The token is cached by now: revocation must still reach it.
        await #expect(throws: TokenRejection.revoked) { try await verifier.verify(token) }
        // A token issued at the cut-off second itself passes: only earlier ones are cut off.
        _ = try await verifier.verify(try await fixture.sign(fixture.claims(issuedAt: TokenFixture.now + 1)))
    }
}

/// A key source that counts how often it is asked.
final class CountingKeySource: VerificationKeySource {
    let base: any VerificationKeySource
    private let count = Mutex(0)

    init(_ base: any VerificationKeySource) { self.base = base }

    var lookups: Int { count.withLock { $0 } }

    func keySet(forKeyID kid: String) async -> VerificationKeySet? {
        count.withLock { $0 += 1 }
        return await base.keySet(forKeyID: kid)
    }
}

final class FixedRevocations: RevocationChecker {
    private let entries = Mutex<[String: Int]>([:])

    func set(_ subject: String, notBefore: Int) { entries.withLock { $0[subject] = notBefore } }

    func notBefore(subject: String) -> Int? { entries.withLock { $0[subject] } }
}
