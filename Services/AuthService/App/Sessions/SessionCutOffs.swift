import Foundation
import TokenVerification

/// Cuts off a user's sessions: every refresh token revoked and earlier access tokens refused through the
/// revocation list (`not_before`), for deactivation, a role or password change and "log out everywhere".
struct SessionCutOffs: Sendable {
    let store: any AuthStore
    let cache: RevocationCache
    let now: @Sendable () -> Date

    /// The `not_before` of a cut-off made now: the next whole second, so that a token issued earlier
    /// in this same second is refused too (new tokens are issued no earlier than it).
    func nextNotBefore() -> Int {
        Int(now().timeIntervalSince1970.rounded(.down)) + 1
    }

    /// Cuts off every session of the user now, in a transaction of its own.
    func cutOff(userID: UUID) async throws {
        let notBefore = try await store.transaction { [self] storage in try await write(userID: userID, in: storage) }
        recorded(userID: userID, notBefore: notBefore)
    }

    /// The writes of a cut-off, as steps of the caller's transaction: the user's cut-off version moves
    /// on (a login or refresh in flight sees it), their refresh tokens are revoked, and they are listed
    /// for verifiers. Returns the `not_before`, for `recorded` once the transaction has committed.
    ///
    /// `not_before` is taken once the user's row is written, and so held: a refresh exchange holds that
    /// row too, after signing its access token. A cut-off that waited for one (across a second boundary,
    /// maybe) thus still refuses the token it signed.
    func write(userID: UUID, in storage: AuthRepositories) async throws -> Int {
        let date = now()
        try await storage.users.markSessionsCutOff(id: userID, at: date)
        let notBefore = nextNotBefore()
        try await storage.refreshTokens.revokeAll(userID: userID, at: date)
        try await storage.revocations.record(userID: userID, notBefore: notBefore)
        return notBefore
    }

    /// Tells this service's verifier of a committed cut-off at once (the others poll).
    func recorded(userID: UUID, notBefore: Int) {
        cache.record(userID: userID, notBefore: notBefore)
    }
}
