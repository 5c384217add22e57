import Foundation
import JWTKit
import ServiceKit

/// What a verifier expects of a token.
public struct TokenVerifierSettings: Sendable {
    /// `JWT_ISSUER`: the auth service's issuer URL.
    public var issuer: String
    /// `JWT_AUDIENCE` (default `saas-api`).
    public var audience: String
    /// Clock leeway for `exp`, `nbf` and `iat`, in seconds (default 30).
    public var leewaySeconds: Int

    public init(issuer: String, audience: String = TokenSettings.audience.defaultValue, leewaySeconds: Int = 30) {
        self.issuer = issuer
        self.audience = audience
        self.leewaySeconds = leewaySeconds
    }

    /// The one algorithm accepted. Anything else in a header is refused before any key is looked at.
    public static let algorithm = "ES256"
}

/// Verifies access tokens: header, key, signature, claims and revocation, in that order, and
/// remembers tokens it has verified.
public final class AccessTokenVerifier: Sendable {
    public let settings: TokenVerifierSettings
    private let keys: any VerificationKeySource
    private let revocations: (any RevocationChecker)?
    private let cache: VerifiedTokenCache
    private let now: @Sendable () -> Date

    /// Tokens longer than this are refused unread.
    static let maximumTokenLength = 8192

    public init(
        settings: TokenVerifierSettings,
        keys: any VerificationKeySource,
        revocations: (any RevocationChecker)? = nil,
        cache: VerifiedTokenCache = VerifiedTokenCache(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.keys = keys
        self.revocations = revocations
        self.cache = cache
        self.now = now
    }

    /// The caller a token proves, or why it proves nothing.
    public func verify(_ token: String) async throws(TokenRejection) -> AuthenticatedUser {
        let now = Int(self.now().timeIntervalSince1970)
        if let user = cache.user(for: token, now: now) {
            try checkRevocation(subject: user.userID.lowercasedString, issuedAt: user.issuedAt)
            return user
        }
        let header = try Self.header(of: token)
        guard header.alg == TokenVerifierSettings.algorithm else { throw .unsupportedAlgorithm(header.alg) }
        guard let kid = header.kid, !kid.isEmpty else { throw .missingKeyID }
        guard let keySet = await keys.keySet(forKeyID: kid) else { throw .keysUnavailable }
        guard keySet.contains(kid) else { throw .unknownKeyID(kid) }

        let claims: AccessTokenClaims
        do {
            claims = try await keySet.collection.verify(token, as: AccessTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformed
        }
        let user = try check(claims, now: now)
        cache.insert(user, for: token, validUntil: claims.expiresAt > Int.max - settings.leewaySeconds ? Int.max : claims.expiresAt + settings.leewaySeconds)
        return user
    }

    /// Checks the claims of a token whose signature is good.
    func check(_ claims: AccessTokenClaims, now: Int) throws(TokenRejection) -> AuthenticatedUser {
        let leeway = settings.leewaySeconds
        guard claims.type == AccessTokenClaims.accessType else { throw .wrongType }
        guard claims.issuer == settings.issuer else { throw .wrongIssuer }
        guard claims.audience.contains(settings.audience) else { throw .wrongAudience }
        // Times come from the token: compared without arithmetic on them, so that no value can overflow.
        guard now - leeway <= claims.expiresAt else { throw .expired }
        guard now + leeway >= claims.notBefore else { throw .notYetValid }
        guard now + leeway >= claims.issuedAt else { throw .issuedInFuture }
        guard let userID = UUID(parsing: claims.subject) else { throw .invalidClaim("sub") }
        guard let tenantID = UUID(parsing: claims.tenantID) else { throw .invalidClaim("tid") }
        guard !claims.tenantSlug.isEmpty else { throw .invalidClaim("tslug") }
        try checkRevocation(subject: claims.subject.lowercased(), issuedAt: claims.issuedAt)
        return AuthenticatedUser(
            userID: userID, tenantID: tenantID, tenantSlug: claims.tenantSlug, role: claims.role,
            tokenID: claims.tokenID, issuedAt: claims.issuedAt, expiresAt: claims.expiresAt
        )
    }

    private func checkRevocation(subject: String, issuedAt: Int) throws(TokenRejection) {
        if let notBefore = revocations?.notBefore(subject: subject), issuedAt < notBefore {
            throw .revoked
        }
    }

    struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    /// The header of a compact JWS: three base64url parts, the first a JSON object.
    static func header(of token: String) throws(TokenRejection) -> Header {
        guard token.utf8.count <= maximumTokenLength else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            let data = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw .malformed }
        return header
    }
}
