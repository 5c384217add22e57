import Foundation

/// Where refresh tokens are kept.
public protocol RefreshTokenRepository: Sendable {
    /// Stores a token.
    func insert(_ token: RefreshTokenRecord) async throws
    /// The token whose secret hashes to `tokenHash`, if any.
    func find(tokenHash: Data) async throws -> RefreshTokenRecord?
    /// The token whose secret hashes to `tokenHash` with its user and tenant as they are now (nil
    /// when gone), read at once: what a refresh checks before it signs.
    func findWithOwner(tokenHash: Data) async throws -> OwnedRefreshToken?
    /// Marks `id` rotated at `date`, replaced by `successor`; false (and nothing written) when `id` was
    /// rotated or revoked meanwhile. Two callers at once: exactly one gets true.
    func markRotated(id: UUID, at date: Date, successor: UUID) async throws -> Bool
    /// Spends the reuse grace of an already rotated `id`; false (and nothing written) unless `id` was
    /// rotated at or after `rotatedSince`, has not spent its grace, is not revoked, and its successor is
    /// the family's newest token (neither rotated nor revoked).
    func spendGrace(id: UUID, rotatedSince: Date) async throws -> Bool
    /// Revokes every token of the family.
    func revokeFamily(_ familyID: UUID, at: Date) async throws
    /// Revokes every token of the user.
    func revokeAll(userID: UUID, at: Date) async throws
    /// Deletes tokens that expired before `date`; returns how many.
    func deleteExpired(before date: Date) async throws -> Int
}

/// A refresh token with its user and tenant, read together.
public struct OwnedRefreshToken: Sendable, Equatable {
    public let token: RefreshTokenRecord
    public let user: User?
    public let tenant: Tenant?

    public init(token: RefreshTokenRecord, user: User?, tenant: Tenant?) {
        self.token = token
        self.user = user
        self.tenant = tenant
    }
}
