import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import Logging
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// The service's tokens as another service sees them: through the shared library, with the JWKS and
/// the revocation list fetched over real HTTP.
@Suite struct TokenVerificationAcrossServicesTests {
    let logger = Logger(label: "verifier") { _ in SwiftLogNoOpLogHandler() }

    func jwksSource(_ base: URL) -> JWKSKeySource {
        JWKSKeySource(settings: .init(url: base.appendingPathComponent(".well-known/jwks.json")), logger: logger)
    }

    @Test func anIssuedTokenVerifiesAgainstTheServedJWKS() async throws {
        let harness = AuthTestHarness()
        try await harness.testLive { client, base in
            let (tenant, admin, tokens) = try await client.adminSession("jwks")
            let keys = jwksSource(base)
            await keys.refresh()
            let user = try await harness.verifier(keys: keys).verify(tokens.accessToken)
            #expect(user.userID.lowercasedString == admin.id)
            #expect(user.tenantID.lowercasedString == tenant.id)
            #expect(user.tenantSlug == "jwks")
            #expect(user.role == .admin)

            let jwks = try await client.send(.get, "/.well-known/jwks.json")
            let set = try JSONDecoder().decode(JSONWebKeySet.self, from: jwks.body)
            #expect(set.keys.count == 1)
            #expect(set.keys.allSatisfy { $0.kty == "EC" && $0.crv == "P-256" && $0.alg == "ES256" && $0.use == "sig" && $0.d == nil })
            #expect(!jwks.text.contains("\"d\""), "never a private part")
        }
    }

    /// A rotation while the service runs, without a restart: the new key is published first (within
    /// the reload interval), signs once active, and the old one stays published until its tokens have
    /// expired, then drops out.
    @Test func tokensVerifyAcrossAKeyRotationWithoutARestart() async throws {
        let harness = AuthTestHarness { $0.signingKeyReloadInterval = .milliseconds(50) }
        let kid = { @Sendable (token: String) in
            (try? JSONSerialization.jsonObject(with: Base64URL.decode(token.split(separator: ".")[0])!) as? [String: Any])?["kid"] as? String
        }
        try await harness.testLive { client, base in
            @Sendable func publishedKeys() async throws -> [String] {
                try JSONDecoder().decode(JSONWebKeySet.self, from: try await client.send(.get, "/.well-known/jwks.json").body).keys.compactMap(\.kid)
            }
            @Sendable func waitFor(_ condition: @Sendable () async throws -> Bool) async throws {
                for _ in 0..<200 where try await !condition() { try await Task.sleep(for: .milliseconds(25)) }
                #expect(try await condition())
            }
            let before = try await client.adminSession("rotation").tokens
            let message = try await RotateSigningKeyCommand.run(configuration: harness.configuration, now: harness.clock.now, logger: quietLogger)
            #expect(message.contains("New signing key"))
            let set = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(contentsOf: URL(fileURLWithPath: harness.configuration.signingKeyFile)))
            let newKid = try #require(set.keys.first?.kid)

            try await waitFor { try await publishedKeys().contains(newKid) }
            let during = try await client.login("rotation", "admin@rotation.test", "admin-password")
            #expect(kid(during.accessToken) == kid(before.accessToken), "published, not signing before SIGNING_KEY_ACTIVATION_DELAY")

            harness.clock.advance(by: Double(Int(harness.configuration.signingKeyActivationDelay.components.seconds)))
            try await waitFor { kid(try await client.login("rotation", "admin@rotation.test", "admin-password").accessToken) == newKid }
            let after = try await client.login("rotation", "admin@rotation.test", "admin-password")

            let keys = jwksSource(base)
            await keys.refresh()
            let verifier = harness.verifier(keys: keys)
            _ = try await verifier.verify(before.accessToken)
            _ = try await verifier.verify(after.accessToken)
            // The service's own routes accept both too.
            #expect(try await client.send(.get, "/v1/auth/me", token: before.accessToken).status == .ok)
            #expect(try await client.send(.get, "/v1/auth/me", token: after.accessToken).status == .ok)

            // Once every token of the old key has expired, it is no longer published.
            harness.clock.advance(by: Double(harness.configuration.accessTokenHorizonSeconds + 1))
            try await waitFor { try await publishedKeys() == [newKid] }
        }
    }

    /// A key file that goes bad while the service runs changes nothing: the keys in use stay.
    @Test func aKeyFileThatGoesBadKeepsTheKeysInUse() async throws {
        let harness = AuthTestHarness { $0.signingKeyReloadInterval = .milliseconds(50) }
        try await harness.testLive { client, _ in
            let before = try await client.send(.get, "/.well-known/jwks.json").text
            try Data("not a key set".utf8).write(to: URL(fileURLWithPath: harness.configuration.signingKeyFile))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(.get, "/.well-known/jwks.json").text == before)
            #expect(try await client.adminSession("bad-file").tokens.accessToken.isEmpty == false)
        }
        #expect(harness.logs.lines.contains { $0.contains("Cannot reload the signing keys") })
    }

    @Test func theKeyFileIsCreatedPrivate() async throws {
        let harness = AuthTestHarness()
        try await harness.test { _ in }
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.configuration.signingKeyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let set = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(contentsOf: URL(fileURLWithPath: harness.configuration.signingKeyFile)))
        #expect(set.keys.count == 1 && set.keys[0].d != nil)
    }

    @Test func aBrokenKeyFileStopsTheStartNamingTheVariable() async throws {
        let harness = AuthTestHarness()
        try FileManager.default.createDirectory(
            atPath: (harness.configuration.signingKeyFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("{\"keys\": 5}".utf8).write(to: URL(fileURLWithPath: harness.configuration.signingKeyFile))
        await #expect(throws: ConfigurationError.self) { try await harness.makeApplication() }
    }

    /// A deactivated user's access token, still unexpired, is listed in the revocations and refused by
    /// the shared verifier after its next poll.
    @Test func aDeactivatedUsersAccessTokenIsCutOffWithinOnePoll() async throws {
        let harness = AuthTestHarness()
        try await harness.testLive { client, base in
            let (_, _, admin) = try await client.adminSession("cutoff")
            let (user, tokens) = try await client.member("cutoff", adminToken: admin.accessToken, email: "leaver@cutoff.test")
            let keys = jwksSource(base)
            await keys.refresh()
            let poller = RevocationPoller(settings: .init(url: base.appendingPathComponent(".well-known/revocations")), logger: logger)
            let verifier = harness.verifier(keys: keys, revocations: poller)
            await poller.poll()
            _ = try await verifier.verify(tokens.accessToken)

            #expect(try await client.send(.delete, "/v1/users/\(user.id)", token: admin.accessToken).status == .noContent)
            let list = try JSONDecoder().decode(RevocationDocument.self, from: try await client.send(.get, "/.well-known/revocations").body)
            let entry = try #require(list.revoked.first { $0.sub == user.id })
            #expect(entry.notBefore > Int(harness.clock.now.timeIntervalSince1970))

            await poller.poll()
            await #expect(throws: TokenRejection.self) { try await verifier.verify(tokens.accessToken) }
            #expect(try await client.send(.get, "/v1/auth/me", token: tokens.accessToken).status == .unauthorized, "and by the auth service itself at once")
            _ = try await verifier.verify(admin.accessToken)

            // Entries drop out once every token they concern has expired.
            harness.clock.advance(by: Double(harness.configuration.accessTokenHorizonSeconds + 2))
            let later = try JSONDecoder().decode(RevocationDocument.self, from: try await client.send(.get, "/.well-known/revocations").body)
            #expect(later.revoked.isEmpty)
        }
    }

    @Test(arguments: ["logout-all", "role change", "password change"])
    func everyCutOffRefusesEarlierTokensButNotLaterOnes(action: String) async throws {
        let harness = AuthTestHarness()
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("actions")
            let (user, old) = try await client.member("actions", adminToken: admin.accessToken, email: "u@actions.test")
            var password = "member-password"
            switch action {
            case "logout-all":
                #expect(try await client.send(.post, "/v1/auth/logout-all", token: old.accessToken).status == .noContent)
            case "role change":
                #expect(try await client.send(.patch, "/v1/users/\(user.id)", token: admin.accessToken, body: json(["role": "moderator"])).status == .ok)
            default:
                password = "a-new-password"
                let body = json(["password": password, "current_password": "member-password"])
                #expect(try await client.send(.patch, "/v1/users/\(user.id)", token: old.accessToken, body: body).status == .ok)
            }
            #expect(try await client.send(.get, "/v1/auth/me", token: old.accessToken).status == .unauthorized, "\(action): old access token")
            let refresh = try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": old.refreshToken]))
            #expect(refresh.status == .unauthorized, "\(action): old refresh token")
            // A login in the very same second works: new tokens are issued no earlier than the cut-off.
            let fresh = try await client.login("actions", "u@actions.test", password)
            #expect(try await client.send(.get, "/v1/auth/me", token: fresh.accessToken).status == .ok, "\(action): new token")
        }
    }
}

/// The key file's times: a rotated-in key is published before it signs; a retired one is published
/// until its tokens have expired.
@Suite struct SigningKeyFileTests {
    @Test func aRotationPublishesFirstThenSignsThenDropsTheOldKey() async throws {
        let folder = TemporaryFolder("keys")
        let file = SigningKeyFile(path: folder.path + "keys.json")
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let logger = Logger(label: "test")
        let old = try await file.loadOrCreate(now: start, retention: 930, logger: logger).signer.key.keyID
        let (new, dropped) = try file.rotate(now: start, retention: 930, activationDelay: 60)
        #expect(dropped.isEmpty)

        let pending = try await file.load(now: start.addingTimeInterval(59), retention: 930)
        #expect(pending.signer.key.keyID == old)
        #expect(Set(pending.publicKeys.keys.compactMap(\.kid)) == [old, new])
        let active = try await file.load(now: start.addingTimeInterval(60), retention: 930)
        #expect(active.signer.key.keyID == new)
        #expect(Set(active.publicKeys.keys.compactMap(\.kid)) == [old, new])
        let later = try await file.load(now: start.addingTimeInterval(60 + 930), retention: 930)
        #expect(later.publicKeys.keys.compactMap(\.kid) == [new])

        // Two rotations within the delay: the middle key signs from its activation to the next one's.
        let (third, _) = try file.rotate(now: start.addingTimeInterval(100), retention: 930, activationDelay: 60)
        #expect(try await file.load(now: start.addingTimeInterval(159), retention: 930).signer.key.keyID == new)
        #expect(try await file.load(now: start.addingTimeInterval(160), retention: 930).signer.key.keyID == third)
    }
}
