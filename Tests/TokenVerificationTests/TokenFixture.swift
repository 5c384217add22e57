import Crypto
import Foundation
import ServiceKit
import Testing

@testable import TokenVerification

/// Mints tokens for tests: valid ones through `AccessTokenSigner`, and forged ones by hand.
struct TokenFixture {
    static let issuer = "http://auth.test"
    static let audience = "saas-api"
    static let now = 1_795_000_000

    let key = SigningKey.generate(keyID: "key-1")
    let userID = UUID()
    let tenantID = UUID()

    var settings: TokenVerifierSettings { TokenVerifierSettings(issuer: Self.issuer, audience: Self.audience, leewaySeconds: 30) }

    func claims(issuedAt: Int = now, lifetime: Int = 900) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: Self.issuer, audience: Self.audience, subject: userID.uuidString.lowercased(),
            tenantID: tenantID.uuidString.lowercased(), tenantSlug: "acme", role: .moderator, tokenID: UUID().uuidString,
            issuedAt: issuedAt, notBefore: issuedAt, expiresAt: issuedAt + lifetime)
    }

    func keySet(_ keys: [SigningKey]? = nil) async throws -> VerificationKeySet {
        let keys = keys ?? [key]
        return try await VerificationKeySet.make(Dictionary(uniqueKeysWithValues: keys.map { ($0.keyID, $0.privateKey.publicKey) }))
    }

    func verifier(keys: (any VerificationKeySource)? = nil, revocations: (any RevocationChecker)? = nil, now: Int = now) async throws
        -> AccessTokenVerifier
    {
        let source: any VerificationKeySource = if let keys { keys } else { StaticKeySource(try await keySet()) }
        return AccessTokenVerifier(
            settings: settings, keys: source, revocations: revocations, now: { Date(timeIntervalSince1970: TimeInterval(now)) })
    }

    /// A token signed by the real signer.
    func sign(_ claims: AccessTokenClaims? = nil, with key: SigningKey? = nil) async throws -> String {
        try AccessTokenSigner(key: key ?? self.key).sign(claims ?? self.claims())
    }

    /// A compact JWS from a raw header and payload, signed by `signature` over the signing input.
    static func compact(header: String, payload: Data, signature: (Data) throws -> Data) rethrows -> String {
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try signature(Data(input.utf8)))
    }

    /// ES256 over any header and payload, with any key.
    func es256(header: String? = nil, payload: Data, key: SigningKey? = nil) throws -> String {
        let key = key ?? self.key
        return try Self.compact(header: header ?? #"{"alg":"ES256","kid":"\#(key.keyID)","typ":"JWT"}"#, payload: payload) {
            try key.privateKey.signature(for: $0).rawRepresentation
        }
    }

    func payload(_ claims: AccessTokenClaims) throws -> Data {
        try JSONEncoder().encode(claims)
    }

    /// The claims as a JSON object, to remove or change single fields.
    func payload(editing edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: try payload(claims())) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }
}

/// Forged and broken tokens, each with the reason the verifier must give.
enum ForgedToken: String, CaseIterable, CustomTestStringConvertible {
    case algNone, algNoneUpperCase, hs256WithPublicKeyAsSecret, rs256Header, edDSAHeader
    case missingKid, unknownKid, keyNotInSet, expired, expiredBeyondLeeway, notYetValid, notYetValidBeyondLeeway
    case issuedInTheFuture, wrongIssuer, wrongAudience, refreshType, missingType, tamperedPayload, missingTid, missingSub
    case subNotUUID, unknownRole, garbage, empty, truncated, twoParts, signatureStripped, hugeToken

    var testDescription: String { rawValue }

    /// Tokens that come within the leeway and must pass: the other side of the edge.
    /// Issue times (relative to now, for a 900 s lifetime) just inside the 30 s leeway:
    /// expired 29 s ago, and valid from 29 s ahead.
    static let withinLeeway: [Int] = [-929, 29]

    func make(_ fixture: TokenFixture) async throws -> (token: String, reason: TokenRejection) {
        let now = TokenFixture.now
        let claims = fixture.claims()
        let kid = fixture.key.keyID
        switch self {
        case .algNone:
            return (TokenFixture.compact(header: #"{"alg":"none","kid":"\#(kid)"}"#, payload: try fixture.payload(claims)) { _ in Data() }, .unsupportedAlgorithm("none"))
        case .algNoneUpperCase:
            return (TokenFixture.compact(header: #"{"alg":"NONE","kid":"\#(kid)"}"#, payload: try fixture.payload(claims)) { _ in Data() }, .unsupportedAlgorithm("NONE"))
        case .hs256WithPublicKeyAsSecret:
            // The classic confusion: HMAC keyed with the published public key.
            let secret = SymmetricKey(data: Data(fixture.key.privateKey.publicKey.pemRepresentation.utf8))
            let token = TokenFixture.compact(header: #"{"alg":"HS256","kid":"\#(kid)","typ":"JWT"}"#, payload: try fixture.payload(claims)) {
                Data(HMAC<SHA256>.authenticationCode(for: $0, using: secret))
            }
            return (token, .unsupportedAlgorithm("HS256"))
        case .rs256Header:
            return (try fixture.es256(header: #"{"alg":"RS256","kid":"\#(kid)"}"#, payload: try fixture.payload(claims)), .unsupportedAlgorithm("RS256"))
        case .edDSAHeader:
            return (try fixture.es256(header: #"{"alg":"EdDSA","kid":"\#(kid)"}"#, payload: try fixture.payload(claims)), .unsupportedAlgorithm("EdDSA"))
        case .missingKid:
            return (try fixture.es256(header: #"{"alg":"ES256","typ":"JWT"}"#, payload: try fixture.payload(claims)), .missingKeyID)
        case .unknownKid:
            let stranger = SigningKey.generate(keyID: "stranger")
            return (try fixture.es256(payload: try fixture.payload(claims), key: stranger), .unknownKeyID("stranger"))
        case .keyNotInSet:
            // A key the set does not hold, claiming the kid of one it does.
            let impostor = SigningKey(keyID: kid, privateKey: P256.Signing.PrivateKey())
            return (try fixture.es256(payload: try fixture.payload(claims), key: impostor), .badSignature)
        case .expired:
            return (try await fixture.sign(fixture.claims(issuedAt: now - 2000)), .expired)
        case .expiredBeyondLeeway:
            return (try await fixture.sign(fixture.claims(issuedAt: now - 931)), .expired)
        case .notYetValid:
            var future = claims
            future.notBefore = now + 600
            return (try await fixture.sign(future), .notYetValid)
        case .notYetValidBeyondLeeway:
            return (try await fixture.sign(fixture.claims(issuedAt: now + 31)), .notYetValid)
        case .issuedInTheFuture:
            var future = claims
            future.issuedAt = now + 600
            return (try await fixture.sign(future), .issuedInFuture)
        case .wrongIssuer:
            var other = claims
            other.issuer = "http://evil.test"
            return (try await fixture.sign(other), .wrongIssuer)
        case .wrongAudience:
            var other = claims
            other.audience = ["another-api"]
            return (try await fixture.sign(other), .wrongAudience)
        case .refreshType:
            var other = claims
            other.type = "refresh"
            return (try await fixture.sign(other), .wrongType)
        case .missingType:
            return (try fixture.es256(payload: try fixture.payload { $0["typ"] = nil }), .malformed)
        case .tamperedPayload:
            let token = try await fixture.sign(claims)
            var parts = token.split(separator: ".").map(String.init)
            var escalated = claims
            escalated.role = .admin
            parts[1] = Base64URL.encode(try fixture.payload(escalated))
            return (parts.joined(separator: "."), .badSignature)
        case .missingTid:
            return (try fixture.es256(payload: try fixture.payload { $0["tid"] = nil }), .malformed)
        case .missingSub:
            return (try fixture.es256(payload: try fixture.payload { $0["sub"] = nil }), .malformed)
        case .subNotUUID:
            return (try fixture.es256(payload: try fixture.payload { $0["sub"] = "admin" }), .invalidClaim("sub"))
        case .unknownRole:
            return (try fixture.es256(payload: try fixture.payload { $0["role"] = "root" }), .malformed)
        case .garbage:
            return ("not a token at all", .malformed)
        case .empty:
            return ("", .malformed)
        case .truncated:
            let token = try await fixture.sign(claims)
            return (String(token.prefix(token.count - 20)), .malformed)
        case .twoParts:
            let token = try await fixture.sign(claims)
            return (token.split(separator: ".").prefix(2).joined(separator: "."), .malformed)
        case .signatureStripped:
            let token = try await fixture.sign(claims)
            return (token.split(separator: ".").prefix(2).joined(separator: ".") + ".", .malformed)
        case .hugeToken:
            return (try fixture.es256(payload: try fixture.payload { $0["pad"] = String(repeating: "x", count: 9000) }), .malformed)
        }
    }
}
