import Foundation

/// Where the cut-offs of users' sessions are kept (`GET /.well-known/revocations`).
public protocol RevocationRepository: Sendable {
    /// Revokes every refresh token of the user and lists them with `notBefore` (seconds since the epoch),
    /// in one transaction.
    func cutOffSessions(userID: UUID, notBefore: Int, at: Date) async throws
    /// Every user cut off at or after `since` (seconds), with their latest `not_before`.
    func list(since: Int) async throws -> [(userID: UUID, notBefore: Int)]
    /// Forgets cut-offs older than `before` (seconds); returns how many.
    func deleteOlder(than before: Int) async throws -> Int
}
