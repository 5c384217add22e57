import Crypto
import Foundation
import JWTKit
import ServiceKit
import Testing

@testable import TokenVerification

@Suite struct AccessTokenSignerTests {
    /// The token's three parts read back by hand: the contract's header, the claims, and an ES256
    /// signature (raw r and s) over the first two parts that the key's public half accepts.
    @Test func aSignedTokenIsACompactJWSOfTheHeaderAndClaims() async throws {
        let fixture = TokenFixture()
        let claims = fixture.claims()
        let token = try AccessTokenSigner(key: fixture.key).sign(claims)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let header = try #require(Base64URL.decode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"ES256","kid":"key-1","typ":"JWT"}"#)
        let payload = try #require(Base64URL.decode(parts[1]))
        #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: payload) == claims)
        let raw = try #require(Base64URL.decode(parts[2]))
        #expect(raw.count == 64)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)
        #expect(fixture.key.privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)))
        #expect(!fixture.key.privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])x".utf8)))
    }

    /// The payload is written member by member: byte for byte what the claims' `Encodable` conformance
    /// writes, for one audience or several and for text that needs escapes.
    @Test func thePayloadIsWhatTheClaimsEncodableWrites() throws {
        var claims = TokenFixture().claims()
        claims.tenantSlug = "a \"quoted\" \\ slug\u{01} é"
        for audience in [["saas-api"], ["saas-api", "other \"one\""]] {
            claims.audience = audience
            var written = ContractJSONOutput()
            claims.write(to: &written)
            #expect(String(decoding: written.bytes, as: UTF8.self) == String(decoding: try ContractJSONWriter.encode(claims), as: UTF8.self))
        }
    }

    /// jwt-kit, which the signer no longer uses, verifies what it signs and reads the same claims.
    @Test func jwtKitVerifiesTheSignedToken() async throws {
        let fixture = TokenFixture()
        let claims = fixture.claims(issuedAt: Int(Date().timeIntervalSince1970))
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PublicKey(backing: fixture.key.privateKey.publicKey), kid: JWKIdentifier(string: "key-1"))
        #expect(try await keys.verify(try AccessTokenSigner(key: fixture.key).sign(claims), as: AccessTokenClaims.self) == claims)
        let other = SigningKey.generate(keyID: "key-1")
        await #expect(throws: (any Error).self) { try await keys.verify(try AccessTokenSigner(key: other).sign(claims), as: AccessTokenClaims.self) }
    }
}
