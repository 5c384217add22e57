import Crypto
import Foundation
import JWTKit
import ServiceKit

/// A P-256 private key with its `kid`: what signs access tokens.
public struct SigningKey: Sendable {
    public let keyID: String
    public let privateKey: P256.Signing.PrivateKey

    public init(keyID: String, privateKey: P256.Signing.PrivateKey) {
        self.keyID = keyID
        self.privateKey = privateKey
    }

    /// A new random key with a random `kid`.
    public static func generate(keyID: String = UUID().lowercasedString) -> SigningKey {
        SigningKey(keyID: keyID, privateKey: P256.Signing.PrivateKey())
    }

    /// The key read from a private JWK (with `d`).
    public init(jwk: JSONWebKey) throws {
        guard let kid = jwk.kid, VerificationKeySet.publicKey(of: jwk) != nil,
            let d = jwk.d.flatMap(Base64URL.decode), d.count == 32
        else { throw InvalidKey() }
        let privateKey = try P256.Signing.PrivateKey(rawRepresentation: d)
        guard privateKey.publicKey.rawRepresentation == VerificationKeySet.publicKey(of: jwk)?.rawRepresentation else {
            throw InvalidKey()
        }
        self.init(keyID: kid, privateKey: privateKey)
    }

    public struct InvalidKey: Error, CustomStringConvertible {
        public var description: String { "not an EC P-256 private JWK with kid, x, y and d" }
    }

    /// The public half as the JWKS serves it.
    public var publicJWK: JSONWebKey {
        let raw = privateKey.publicKey.rawRepresentation
        return JSONWebKey(
            kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: keyID,
            x: Base64URL.encode(raw.prefix(32)), y: Base64URL.encode(raw.suffix(32)))
    }

    /// The whole key, for the signing-key file.
    public var privateJWK: JSONWebKey {
        var jwk = publicJWK
        jwk.d = Base64URL.encode(privateKey.rawRepresentation)
        return jwk
    }
}

/// Signs access tokens with ES256: a compact JWS (RFC 7515) of the header
/// `{"alg":"ES256","kid":…,"typ":"JWT"}` and the claims, written here rather than by jwt-kit, whose
/// `JSONEncoder` for the two parts cost a refresh more than the signature itself.
public struct AccessTokenSigner: Sendable {
    public let key: SigningKey
    /// The header's base64url, the same for every token of the key.
    private let encodedHeader: String

    public init(key: SigningKey) {
        self.key = key
        var header = ContractJSONOutput(capacity: 96)
        header.beginObject()
        header.field("alg", "ES256")
        header.field("kid", key.keyID)
        header.field("typ", "JWT")
        header.endObject()
        encodedHeader = Base64URL.encode(header.bytes)
    }

    public func sign(_ claims: AccessTokenClaims) throws -> String {
        var payload = ContractJSONOutput(capacity: 512)
        claims.write(to: &payload)
        let signingInput = encodedHeader + "." + Base64URL.encode(payload.bytes)
        // SHA-256 of the input, then ECDSA over P-256; the signature as raw r and s (RFC 7518, 3.4).
        let signature = try key.privateKey.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
