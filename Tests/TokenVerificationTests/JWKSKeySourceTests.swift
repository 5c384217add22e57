import Foundation
import ServiceKit
import Testing
import ServiceTestSupport

@testable import TokenVerification

/// The key source against a real HTTP server on loopback.
@Suite struct JWKSKeySourceTests {
    let fixture = TokenFixture()

    /// Fetches get a generous time limit: the whole suite runs in parallel on two cores. Tests that
    /// stop the server pay it on each fetch after that, so they pass a shorter one.
    func source(_ base: URL, minimumRefetchInterval: Duration, timeout: Duration = .seconds(5)) -> JWKSKeySource {
        JWKSKeySource(settings: .init(url: base.jwks, minimumRefetchInterval: minimumRefetchInterval, timeout: timeout), logger: quietLogger)
    }

    @Test func aTokenFromARotatedInKeyIsAcceptedAfterOneRefetch() async throws {
        let server = FakeAuthServer(keys: [fixture.key])
        let newKey = SigningKey.generate(keyID: "key-2")
        try await server.whileRunning { base in
            let keys = source(base, minimumRefetchInterval: .zero)
            let verifier = try await fixture.verifier(keys: keys)
            _ = try await verifier.verify(try await fixture.sign())
            #expect(server.jwksRequests.withLock { $0 } == 1)

            server.publish([newKey, fixture.key])
            let user = try await verifier.verify(try await fixture.sign(with: newKey))
            #expect(user.userID == fixture.userID)
            #expect(server.jwksRequests.withLock { $0 } == 2)
            // The old key stays usable while it is published.
            _ = try await verifier.verify(try await fixture.sign())
            #expect(server.jwksRequests.withLock { $0 } == 2)
        }
    }

    @Test func aFloodOfUnknownKidsCausesAtMostOneFetchPerInterval() async throws {
        let server = FakeAuthServer(keys: [fixture.key])
        try await server.whileRunning { base in
            let keys = source(base, minimumRefetchInterval: .seconds(60))
            let verifier = try await fixture.verifier(keys: keys)
            let forged = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<200 {
                    group.addTask { try fixture.es256(payload: try fixture.payload(fixture.claims()), key: .generate(keyID: "forged-\(index)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            await withTaskGroup(of: Void.self) { group in
                for token in forged {
                    group.addTask {
                        await #expect(throws: TokenRejection.self) { try await verifier.verify(token) }
                    }
                }
            }
            #expect(server.jwksRequests.withLock { $0 } == 1)
            #expect(keys.fetchCount == 1)
            // The known key still works without another fetch.
            _ = try await verifier.verify(try await fixture.sign())
            #expect(server.jwksRequests.withLock { $0 } == 1)
        }
    }

    @Test func verificationGoesOnFromTheCacheWhileTheJWKSServerIsDown() async throws {
        let server = FakeAuthServer(keys: [fixture.key])
        let (keys, verifier) = try await server.whileRunning { base in
            let keys = source(base, minimumRefetchInterval: .zero, timeout: .seconds(2))
            await keys.refresh()
            // A verifier without a token cache, so that every call goes to the key source.
            let verifier = AccessTokenVerifier(
                settings: fixture.settings, keys: keys, cache: VerifiedTokenCache(capacity: 1),
                now: { Date(timeIntervalSince1970: TimeInterval(TokenFixture.now)) })
            return (keys, verifier)
        }
        // The server is stopped now.
        let stranger = SigningKey.generate(keyID: "stranger")
        await #expect(throws: TokenRejection.unknownKeyID("stranger")) { try await verifier.verify(try await fixture.sign(with: stranger)) }
        #expect(keys.fetchCount == 2)
        let user = try await verifier.verify(try await fixture.sign())
        #expect(user.userID == fixture.userID)
        await keys.refresh()
        _ = try await verifier.verify(try await fixture.sign())
    }

    @Test func keysUnfitForES256AreLeftOut() async throws {
        var rsa = fixture.key.publicJWK
        rsa.kty = "RSA"
        var encryption = SigningKey.generate(keyID: "enc").publicJWK
        encryption.use = "enc"
        var p384 = SigningKey.generate(keyID: "p384").publicJWK
        p384.crv = "P-384"
        var noKid = SigningKey.generate().publicJWK
        noKid.kid = nil
        let good = SigningKey.generate(keyID: "good").publicJWK
        let document = try JSONEncoder().encode(JSONWebKeySet(keys: [rsa, encryption, p384, noKid, good]))
        let set = try await VerificationKeySet.make(jwks: document)
        #expect(set.keyIDs == ["good"])
    }

    @Test func aPrivateJWKRoundTrips() throws {
        let restored = try SigningKey(jwk: fixture.key.privateJWK)
        #expect(restored.keyID == fixture.key.keyID)
        #expect(restored.privateKey.rawRepresentation == fixture.key.privateKey.rawRepresentation)
        #expect(fixture.key.publicJWK.d == nil)
        #expect(throws: SigningKey.InvalidKey.self) { try SigningKey(jwk: fixture.key.publicJWK) }
    }
}

/// Revocation through a real poller and a real HTTP server.
@Suite struct RevocationPollerTests {
    let fixture = TokenFixture()

    @Test func anAcceptedTokenIsRejectedAfterTheNextPollListsItsSubject() async throws {
        let server = FakeAuthServer(keys: [fixture.key])
        try await server.whileRunning { base in
            let poller = RevocationPoller(settings: .init(url: base.revocations, interval: .milliseconds(50)), logger: quietLogger)
            let verifier = try await fixture.verifier(revocations: poller)
            let token = try await fixture.sign()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await poller.run() }
                _ = try await verifier.verify(token)

                server.revoked.withLock { $0 = [.init(sub: fixture.userID.lowercasedString, notBefore: TokenFixture.now + 1)] }
                // Two completed polls guarantee one that started after the change.
                let polls = poller.completedPolls
                while poller.completedPolls < polls + 2 { try await Task.sleep(for: .milliseconds(10)) }
                await #expect(throws: TokenRejection.revoked) { try await verifier.verify(token) }
                group.cancelAll()
            }
        }
    }

    /// Finding 9 of the hardening issue: a list that cannot be refreshed says so, in a warning and a gauge.
    @Test func aStaleListSaysSo() async throws {
        let metrics = ServiceMetrics()
        let url = URL(string: "http://127.0.0.1:\(freeLoopbackPort())/.well-known/revocations")!  // nothing listens
        let poller = RevocationPoller(settings: .init(url: url, interval: .milliseconds(50)), metrics: metrics, logger: quietLogger)
        #expect(poller.stalenessWarning == nil, "fresh at start")
        try await Task.sleep(for: .milliseconds(200))
        await poller.poll()
        #expect(poller.stalenessWarning?.contains("revocation list not refreshed") == true)
        #expect(prometheusValue("token_revocations_age_seconds", in: metrics.render()) != nil)
    }

    @Test func theLastListIsKeptWhileTheAuthServiceIsDown() async throws {
        let server = FakeAuthServer(keys: [fixture.key])
        let subject = fixture.userID.lowercasedString
        server.revoked.withLock { $0 = [.init(sub: subject, notBefore: 42)] }
        let poller = try await server.whileRunning { base in
            // A generous timeout: the first poll must get the list even on a loaded machine (it once
            // timed out at 2 s with the whole suite and three service binaries starting at once).
            let poller = RevocationPoller(settings: .init(url: base.revocations, timeout: .seconds(15)), logger: quietLogger)
            await poller.poll()
            return poller
        }
        #expect(poller.notBefore(subject: subject) == 42)
        await poller.poll()
        #expect(poller.completedPolls == 2)
        #expect(poller.notBefore(subject: subject) == 42)
    }
}

extension RevocationPollerTests {
    @Test func subjectsAreComparedInLowerCase() async throws {
        let server = FakeAuthServer(keys: [fixture.key])
        server.revoked.withLock { $0 = [.init(sub: fixture.userID.uuidString, notBefore: TokenFixture.now + 1)] }
        let poller = try await server.whileRunning { base in
            // A generous timeout, as above: the default one fails under the whole suite's load.
            let poller = RevocationPoller(settings: .init(url: base.revocations, timeout: .seconds(15)), logger: quietLogger)
            await poller.poll()
            return poller
        }
        #expect(poller.completedPolls == 1)
        let verifier = try await fixture.verifier(revocations: poller)
        await #expect(throws: TokenRejection.revoked) { try await verifier.verify(try await fixture.sign()) }
    }
}
