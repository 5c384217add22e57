import Foundation
import ServiceKit
import TokenVerification

/// Who a test token speaks for.
public struct TestIdentity: Sendable, Hashable {
    public var userID: UUID
    public var tenantID: UUID
    public var tenantSlug: String
    public var role: Role

    public init(userID: UUID = UUID(), tenantID: UUID, tenantSlug: String = "acme", role: Role = .user) {
        self.userID = userID
        self.tenantID = tenantID
        self.tenantSlug = tenantSlug
        self.role = role
    }
}

/// Mints access tokens as the auth service does (the shared `AccessTokenSigner`), for services whose
/// tests must not need the auth service: serve `key` with `FakeAuthServer` and verify as in production.
public struct TestTokenMinter: Sendable {
    public static let issuer = "http://auth.test"
    public static let audience = "saas-api"

    public let key: SigningKey

    public init(key: SigningKey = .generate()) {
        self.key = key
    }

    /// The verifier settings that accept these tokens.
    public static var settings: TokenVerifierSettings { TokenVerifierSettings(issuer: issuer, audience: audience) }

    public func token(
        for identity: TestIdentity, issuedAt: Date = Date(), lifetime: Int = 900, issuer: String = TestTokenMinter.issuer,
        signedWith key: SigningKey? = nil
    ) async throws -> String {
        let iat = Int(issuedAt.timeIntervalSince1970)
        let claims = AccessTokenClaims(
            issuer: issuer, audience: Self.audience, subject: identity.userID.lowercasedString,
            tenantID: identity.tenantID.lowercasedString, tenantSlug: identity.tenantSlug, role: identity.role,
            tokenID: UUID().lowercasedString, issuedAt: iat, notBefore: iat, expiresAt: iat + lifetime)
        return try AccessTokenSigner(key: key ?? self.key).sign(claims)
    }
}

extension TestTokenMinter {
    /// A compact ES256 JWS of any payload, for tokens the real signer would never make (a missing
    /// claim, say); `kid` is this minter's unless given.
    public func forge(payload: [String: Any], kid: String? = nil, signedWith key: SigningKey? = nil) throws -> String {
        let key = key ?? self.key
        let header = #"{"alg":"ES256","kid":"\#(kid ?? key.keyID)","typ":"JWT"}"#
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(try JSONSerialization.data(withJSONObject: payload))
        return input + "." + Base64URL.encode(try key.privateKey.signature(for: Data(input.utf8)).rawRepresentation)
    }

    /// The claims of a valid token as a dictionary, to alter before `forge`.
    public func claims(for identity: TestIdentity, issuedAt: Date = Date()) -> [String: Any] {
        let iat = Int(issuedAt.timeIntervalSince1970)
        return [
            "iss": Self.issuer, "aud": Self.audience, "sub": identity.userID.lowercasedString,
            "tid": identity.tenantID.lowercasedString, "tslug": identity.tenantSlug, "role": identity.role.rawValue,
            "typ": "access", "jti": UUID().lowercasedString, "iat": iat, "nbf": iat, "exp": iat + 900,
        ]
    }
}
