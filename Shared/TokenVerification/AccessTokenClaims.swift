import JWTKit
import ServiceKit

/// The claims of an access token, exactly as CONTRACT.md lists them.
///
/// Times are whole seconds since the epoch. Decoding checks only the shape; `AccessTokenVerifier`
/// checks the values against its settings and clock.
public struct AccessTokenClaims: JWTPayload, ContractJSONWritable, Equatable {
    /// `iss`: the auth service's configured issuer URL.
    public var issuer: String
    /// `aud`: one audience, or several (a JSON array); `"saas-api"` by default.
    public var audience: [String]
    /// `sub`: the user id.
    public var subject: String
    /// `tid`: the tenant id.
    public var tenantID: String
    /// `tslug`: the tenant slug.
    public var tenantSlug: String
    public var role: Role
    /// `typ`: `"access"`; a refresh token is never a JWT, but anything else here is refused.
    public var type: String
    /// `jti`: this token's id.
    public var tokenID: String
    public var issuedAt: Int
    public var notBefore: Int
    public var expiresAt: Int

    public static let accessType = "access"

    public init(
        issuer: String, audience: String, subject: String, tenantID: String, tenantSlug: String, role: Role,
        type: String = AccessTokenClaims.accessType, tokenID: String, issuedAt: Int, notBefore: Int, expiresAt: Int
    ) {
        self.issuer = issuer
        self.audience = [audience]
        self.subject = subject
        self.tenantID = tenantID
        self.tenantSlug = tenantSlug
        self.role = role
        self.type = type
        self.tokenID = tokenID
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case audience = "aud"
        case subject = "sub"
        case tenantID = "tid"
        case tenantSlug = "tslug"
        case role
        case type = "typ"
        case tokenID = "jti"
        case issuedAt = "iat"
        case notBefore = "nbf"
        case expiresAt = "exp"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try container.decode(String.self, forKey: .issuer)
        if let single = try? container.decode(String.self, forKey: .audience) {
            audience = [single]
        } else {
            audience = try container.decode([String].self, forKey: .audience)
        }
        subject = try container.decode(String.self, forKey: .subject)
        tenantID = try container.decode(String.self, forKey: .tenantID)
        tenantSlug = try container.decode(String.self, forKey: .tenantSlug)
        role = try container.decode(Role.self, forKey: .role)
        type = try container.decode(String.self, forKey: .type)
        tokenID = try container.decode(String.self, forKey: .tokenID)
        issuedAt = try container.decode(Int.self, forKey: .issuedAt)
        notBefore = try container.decode(Int.self, forKey: .notBefore)
        expiresAt = try container.decode(Int.self, forKey: .expiresAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(issuer, forKey: .issuer)
        if audience.count == 1 {
            try container.encode(audience[0], forKey: .audience)
        } else {
            try container.encode(audience, forKey: .audience)
        }
        try container.encode(subject, forKey: .subject)
        try container.encode(tenantID, forKey: .tenantID)
        try container.encode(tenantSlug, forKey: .tenantSlug)
        try container.encode(role, forKey: .role)
        try container.encode(type, forKey: .type)
        try container.encode(tokenID, forKey: .tokenID)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(notBefore, forKey: .notBefore)
        try container.encode(expiresAt, forKey: .expiresAt)
    }

    /// The members `encode(to:)` writes, in its order (`AccessTokenSigner` writes the payload with it).
    public func write(to json: inout ContractJSONOutput) {
        json.beginObject()
        json.field("iss", issuer)
        if audience.count == 1 { json.field("aud", audience[0]) } else { json.field("aud", audience) }
        json.field("sub", subject)
        json.field("tid", tenantID)
        json.field("tslug", tenantSlug)
        json.field("role", role.rawValue)
        json.field("typ", type)
        json.field("jti", tokenID)
        json.field("iat", issuedAt)
        json.field("nbf", notBefore)
        json.field("exp", expiresAt)
        json.endObject()
    }

    /// Does nothing: jwt-kit calls this after the signature check, but the claims are checked by
    /// `AccessTokenVerifier`, which knows the expected issuer, audience, leeway and time.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
