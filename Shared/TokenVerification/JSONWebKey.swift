import Foundation

/// One key of a JWK Set as the contract publishes it: an EC P-256 key for ES256 signatures
/// (`kty: "EC"`, `crv: "P-256"`, `alg: "ES256"`, `use: "sig"`, `kid`, `x`, `y`), plus `d` when
/// it is a private key (the auth service's signing-key file, never served).
public struct JSONWebKey: Codable, Sendable, Equatable {
    public var kty: String
    public var crv: String?
    public var alg: String?
    public var use: String?
    public var kid: String?
    public var x: String?
    public var y: String?
    public var d: String?

    public init(kty: String, crv: String?, alg: String?, use: String?, kid: String?, x: String?, y: String?, d: String? = nil) {
        self.kty = kty
        self.crv = crv
        self.alg = alg
        self.use = use
        self.kid = kid
        self.x = x
        self.y = y
        self.d = d
    }

    /// The same key without its private part.
    public var publicKey: JSONWebKey {
        var key = self
        key.d = nil
        return key
    }
}

/// `{"keys": [...]}`
public struct JSONWebKeySet: Codable, Sendable, Equatable {
    public var keys: [JSONWebKey]

    public init(keys: [JSONWebKey]) {
        self.keys = keys
    }
}
