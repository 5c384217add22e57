import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing
import ServiceTestSupport
import TokenVerification

@testable import BlogService

/// The shared Bearer middleware guards every post route.
@Suite struct BlogTokenRejectionTests {
    let harness = BlogTestHarness()

    @Test func withoutCredentialsEveryPostRouteAsksForABearerToken() async throws {
        try await harness.test { client in
            let id = UUID().lowercasedString
            for (method, path) in [(HTTPRequest.Method.get, "/v1/posts"), (.post, "/v1/posts"), (.get, "/v1/posts/\(id)"), (.patch, "/v1/posts/\(id)"), (.delete, "/v1/posts/\(id)")] {
                let response = try await client.send(method, path)
                #expect(response.status == .unauthorized, "\(method) \(path)")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(response.error?.code == .authenticationFailed)
            }
        }
    }

    @Test func refusedTokensAre401InvalidToken() async throws {
        let identity = harness.identity()
        let minter = harness.minter
        var claimsWithoutTenant = minter.claims(for: identity)
        claimsWithoutTenant["tid"] = nil
        let tokens: [(String, String)] = [
            ("expired", try await minter.token(for: identity, issuedAt: Date().addingTimeInterval(-3600))),
            ("no tenant", try minter.forge(payload: claimsWithoutTenant)),
            ("forged signature", try minter.forge(payload: minter.claims(for: identity), kid: minter.key.keyID, signedWith: .generate())),
            ("unknown kid", try await minter.token(for: identity, signedWith: .generate(keyID: "not-published"))),
            ("wrong issuer", try await minter.token(for: identity, issuer: "http://evil.test")),
            ("garbage", "not.a.token"),
        ]
        try await harness.test { client in
            for (name, token) in tokens {
                let response = try await client.send(.get, "/v1/posts", token: token)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#, "\(name)")
            }
            #expect(try await client.send(.get, "/v1/posts", token: try await harness.token(identity)).status == .ok, "and a good one passes")
        }
    }

    /// Keys come from the auth service's JWKS over HTTP; a rotated-in key is picked up on first sight.
    @Test func aKeyRotatedInAtTheAuthServiceIsAcceptedAfterARefetch() async throws {
        let identity = harness.identity()
        let newKey = SigningKey.generate(keyID: "rotated-in")
        let server = FakeAuthServer(keys: [harness.minter.key])
        try await harness.testWithAuthServer(server) { client, server in
            #expect(try await client.send(.get, "/v1/posts", token: try await harness.token(identity)).status == .ok)
            server.publish([newKey, harness.minter.key])
            let rotated = try await harness.minter.token(for: identity, signedWith: newKey)
            #expect(try await client.send(.get, "/v1/posts", token: rotated).status == .ok)
            #expect(server.jwksRequests.withLock { $0 } >= 2)
        }
    }
}
