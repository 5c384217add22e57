import Crypto
import Foundation
import ServiceKit
import JWTKit

/// An immutable set of ES256 public keys, by `kid`, that tokens are verified against.
///
/// It holds only P-256 keys meant for ES256 signatures, and its jwt-kit key collection has no
/// default key: a token whose `kid` is not in the set can never be checked against another key.
public struct VerificationKeySet: Sendable {
    public let keyIDs: Set<String>
    let collection: JWTKeyCollection

    /// A key set of these public keys.
    public static func make(_ keys: [String: P256.Signing.PublicKey]) async throws -> VerificationKeySet {
        let collection = JWTKeyCollection()
        for (kid, key) in keys {
            await collection.add(ecdsa: try ES256PublicKey(backing: key), kid: JWKIdentifier(string: kid))
        }
        // jwt-kit makes the first key added the default, used for tokens with an unknown or no kid.
        await collection.clearDefault()
        return VerificationKeySet(keyIDs: Set(keys.keys), collection: collection)
    }

    /// The usable keys of a JWK Set document. Keys that are not EC P-256 signature keys for ES256, or
    /// that have no `kid`, are skipped; a document that is not a JWK Set throws.
    public static func make(jwks data: Data) async throws -> VerificationKeySet {
        let set = try JSONDecoder().decode(JSONWebKeySet.self, from: data)
        var keys: [String: P256.Signing.PublicKey] = [:]
        for jwk in set.keys {
            guard let kid = jwk.kid, let key = publicKey(of: jwk) else { continue }
            keys[kid] = key
        }
        return try await make(keys)
    }

    public func contains(_ kid: String) -> Bool {
        keyIDs.contains(kid)
    }

    /// The P-256 public key of a JWK meant for ES256 signatures, nil for any other key.
    static func publicKey(of jwk: JSONWebKey) -> P256.Signing.PublicKey? {
        guard jwk.kty == "EC", jwk.crv == "P-256",
            jwk.alg == nil || jwk.alg == "ES256",
            jwk.use == nil || jwk.use == "sig",
            let x = jwk.x.flatMap(Base64URL.decode), x.count == 32,
            let y = jwk.y.flatMap(Base64URL.decode), y.count == 32
        else { return nil }
        return try? P256.Signing.PublicKey(rawRepresentation: x + y)
    }
}

/// Where a verifier gets its keys.
public protocol VerificationKeySource: Sendable {
    /// The key set to check a token signed with `kid`. A source that can refresh does so when `kid`
    /// is unknown (at most once per its minimum interval). Nil when no key set could be had yet.
    func keySet(forKeyID kid: String) async -> VerificationKeySet?
}

/// A fixed key set: for the auth service, which holds its own keys, and for tests.
public struct StaticKeySource: VerificationKeySource {
    public let keySet: VerificationKeySet

    public init(_ keySet: VerificationKeySet) {
        self.keySet = keySet
    }

    public func keySet(forKeyID kid: String) async -> VerificationKeySet? {
        keySet
    }
}
