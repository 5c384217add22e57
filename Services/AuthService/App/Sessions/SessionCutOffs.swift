import Foundation
import TokenVerification

/// Cuts off a user's sessions: every refresh token revoked and earlier access tokens refused through the
/// revocation list (`not_before`), for deactivation, a role or password change and "log out everywhere".
struct SessionCutOffs: Sendable {
    let repository: any RevocationRepository
    let cache: RevocationCache
    let now: @Sendable () -> Date

    /// The `not_before` of a cut-off made now: the next whole second, so that a token issued earlier
    /// in this same second is refused too (new tokens are issued no earlier than it).
    func nextNotBefore() -> Int {
        Int(now().timeIntervalSince1970.rounded(.down)) + 1
    }

    /// Cuts off every session of the user now.
    func cutOff(userID: UUID) async throws {
        let notBefore = nextNotBefore()
        try await repository.cutOffSessions(userID: userID, notBefore: notBefore, at: now())
        cache.record(userID: userID, notBefore: notBefore)
    }

    /// Tells the verifier of a cut-off the user repository made in the same transaction as an update.
    func recorded(userID: UUID, notBefore: Int) {
        cache.record(userID: userID, notBefore: notBefore)
    }
}
