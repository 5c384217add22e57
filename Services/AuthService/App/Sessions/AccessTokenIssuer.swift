import Foundation
import ServiceKit
import TokenVerification

/// Mints access tokens with exactly the contract's claims, signed by the ring's current key.
struct AccessTokenIssuer: Sendable {
    /// The key in use when a token is signed (a rotation takes effect without a restart).
    let keys: SigningKeys
    let issuer: String
    let audience: String
    let lifetimeSeconds: Int
    /// Tokens are never issued before their subject's latest cut-off, so that one minted in the same
    /// second as a "log out everywhere" is not refused with the tokens it was meant to replace.
    let revocations: any RevocationChecker

    func issue(for user: User, in tenant: Tenant, at now: Date) async throws -> String {
        let subject = user.id.lowercasedString
        let issuedAt = max(Int(now.timeIntervalSince1970), revocations.notBefore(subject: subject) ?? 0)
        let claims = AccessTokenClaims(
            issuer: issuer, audience: audience, subject: subject, tenantID: tenant.id.lowercasedString,
            tenantSlug: tenant.slug, role: user.role, tokenID: UUID().lowercasedString,
            issuedAt: issuedAt, notBefore: issuedAt, expiresAt: issuedAt + lifetimeSeconds)
        return try keys.current.signer.sign(claims)
    }
}
