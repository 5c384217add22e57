import Foundation

/// Where refresh tokens are kept.
public protocol RefreshTokenRepository: Sendable {
    /// Stores the first token of a new family.
    func insert(_ token: RefreshTokenRecord) async throws
    /// The token whose secret hashes to `tokenHash`, if any.
    func find(tokenHash: Data) async throws -> RefreshTokenRecord?
    /// Marks `id` rotated and stores `replacement` as its successor, atomically; false (and nothing stored)
    /// when `id` was rotated or revoked meanwhile.
    func rotate(id: UUID, at: Date, replacement: RefreshTokenRecord) async throws -> Bool
    /// Lets an already rotated `id` be exchanged once more (the reuse grace) and stores `replacement`;
    /// false unless `id` was rotated at or after `rotatedSince`, has not used its grace, is not revoked,
    /// and its successor is the family's newest token (not rotated itself).
    func rotateWithinGrace(id: UUID, rotatedSince: Date, replacement: RefreshTokenRecord) async throws -> Bool
    /// Revokes every token of the family.
    func revokeFamily(_ familyID: UUID, at: Date) async throws
    /// Deletes tokens that expired before `date`; returns how many.
    func deleteExpired(before date: Date) async throws -> Int
}
