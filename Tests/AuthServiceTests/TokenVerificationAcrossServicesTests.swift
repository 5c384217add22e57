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
            try await keys.refresh()
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

    @Test func tokensVerifyAcrossAKeyRotation() async throws {
        let harness = AuthTestHarness()
        let before = try await harness.testLive { client, _ in try await client.adminSession("rotation").tokens }
        let message = try RotateSigningKeyCommand.run(configuration: harness.configuration, now: harness.clock.now)
        #expect(message.contains("New signing key"))

        try await harness.testLive { client, base in
            let after = try await client.login("rotation", "admin@rotation.test", "admin-password")
            let kid = { (token: String) in
                (try? JSONSerialization.jsonObject(with: Base64URL.decode(token.split(separator: ".")[0])!) as? [String: Any])?["kid"] as? String
            }
            #expect(kid(before.accessToken) != kid(after.accessToken), "the new key signs")

            let keys = jwksSource(base)
            try await keys.refresh()
            let verifier = harness.verifier(keys: keys)
            _ = try await verifier.verify(before.accessToken)
            _ = try await verifier.verify(after.accessToken)
            // The service's own routes accept both too.
            #expect(try await client.send(.get, "/v1/auth/me", token: before.accessToken).status == .ok)
            #expect(try await client.send(.get, "/v1/auth/me", token: after.accessToken).status == .ok)
        }

        // Once every token of the old key has expired, the next rotation drops it.
        harness.clock.advance(by: Double(harness.configuration.accessTokenHorizonSeconds + 1))
        try RotateSigningKeyCommand.run(configuration: harness.configuration, now: harness.clock.now)
        try await harness.testLive { client, _ in
            let set = try JSONDecoder().decode(JSONWebKeySet.self, from: try await client.send(.get, "/.well-known/jwks.json").body)
            #expect(set.keys.count == 2, "the current key and the one it replaced just now")
        }
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
            try await keys.refresh()
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
