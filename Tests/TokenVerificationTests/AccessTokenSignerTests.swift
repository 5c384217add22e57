import Crypto
import Foundation
import ServiceKit
import Testing

@testable import TokenVerification

@Suite struct AccessTokenSignerTests {
    /// The token's three parts read back by hand: the contract's header, the claims, and an ES256
    /// signature (raw r and s) over the first two parts that the key's public half accepts.
    @Test func aSignedTokenIsACompactJWSOfTheHeaderAndClaims() async throws {
        let fixture = TokenFixture()
        let claims = fixture.claims()
        let token = try await AccessTokenSigner(key: fixture.key).sign(claims)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let header = try #require(Base64URL.decode(parts[0]))
        // jwt-kit writes the header's members in no fixed order.
        #expect(try JSONDecoder().decode([String: String].self, from: header) == ["alg": "ES256", "kid": "key-1", "typ": "JWT"])
        let payload = try #require(Base64URL.decode(parts[1]))
        #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: payload) == claims)
        let raw = try #require(Base64URL.decode(parts[2]))
        #expect(raw.count == 64)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)
        #expect(fixture.key.privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)))
        #expect(!fixture.key.privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])x".utf8)))
    }
}
