import Foundation

/// A stored refresh token: only the SHA-256 of the secret, with its place in a family (the chain of
/// tokens that came from one login by rotation).
public struct RefreshTokenRecord: Sendable, Equatable {
    public var id: UUID
    public var familyID: UUID
    public var userID: UUID
    public var tenantID: UUID
    public var tokenHash: Data
    public var createdAt: Date
    public var expiresAt: Date
    /// When it was exchanged for its successor; a rotated token presented again is a reuse.
    public var rotatedAt: Date?
    /// Whether it has used its one reuse within `REFRESH_REUSE_GRACE`.
    public var graceUsed: Bool
    public var revokedAt: Date?
}
