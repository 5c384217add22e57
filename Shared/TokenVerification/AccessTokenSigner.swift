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

/// Signs access tokens with ES256: header `{"alg":"ES256","kid":…,"typ":"JWT"}`.
public struct AccessTokenSigner: Sendable {
    public let key: SigningKey
    private let collection: JWTKeyCollection

    public init(key: SigningKey) async throws {
        self.key = key
        self.collection = JWTKeyCollection()
        await collection.add(ecdsa: try ES256PrivateKey(backing: key.privateKey), kid: JWKIdentifier(string: key.keyID))
    }

    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await collection.sign(claims, kid: JWKIdentifier(string: key.keyID))
    }
}
