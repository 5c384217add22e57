import Foundation

/// The caller of a request, as proven by a verified access token.
public struct AuthenticatedUser: Sendable, Equatable {
    public let userID: UUID
    public let tenantID: UUID
    public let tenantSlug: String
    public let role: Role
    /// The token's `jti`.
    public let tokenID: String
    /// The token's `iat` and `exp`, seconds since the epoch.
    public let issuedAt: Int
    public let expiresAt: Int

    public init(userID: UUID, tenantID: UUID, tenantSlug: String, role: Role, tokenID: String, issuedAt: Int, expiresAt: Int) {
        self.userID = userID
        self.tenantID = tenantID
        self.tenantSlug = tenantSlug
        self.role = role
        self.tokenID = tokenID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
