import Foundation
import Logging
import ServiceKit
import TokenVerification

/// Login, refresh-token rotation and logout. Methods log to the request's logger, which carries its request id.
struct SessionService: Sendable {
    let store: any AuthStore
    let cutOffs: SessionCutOffs
    let passwords: PasswordHasher
    let accessTokens: AccessTokenIssuer
    let attempts: any AttemptLimiter
    let refreshTokenTTL: Duration
    let reuseGrace: Duration
    /// A hash of no one's password, verified when there is no user, so that every failed login costs one hash.
    let dummyPasswordHash: String
    let now: @Sendable () -> Date
    var refusals = LoginRefusal.Counters(metrics: nil)

    private var users: any UserRepository { store.repositories.users }
    private var refreshTokens: any RefreshTokenRepository { store.repositories.refreshTokens }

    static let loginRefused = AppError(.authenticationFailed, "The tenant, email or password is not correct")
    static let refreshRefused = AppError(.authenticationFailed, "The refresh token is not valid")

    /// Checks the password and starts a session. A wrong password, an unknown email, an unknown tenant
    /// and an inactive user all answer the same 401 after the same work (one password hash).
    func login(
        tenant slug: String, email: String, password: String, clientAddress: String?, audit: AuditTrail, logger: Logger
    ) async throws -> TokenResponse {
        // Checked before anything counts or looks them up: a NUL or an odd suffix never names another
        // account, nor a fresh rate-limit bucket.
        var validator = FieldValidator()
        AccountRules.check(tenantSlug: slug, in: &validator)
        validator.checkText(email, "email", 1...AccountRules.emailLength.upperBound)
        AccountRules.check(presentedPassword: password, field: "password", in: &validator)
        try validator.finish()
        let email = AccountRules.normalizedEmail(email)
        if let wait = try await attempts.attempt(["login:address:\(clientAddress ?? "unknown")", "login:account:\(slug.lowercased())/\(email)"]) {
            logger.notice("Login rate limited", metadata: ["tenant": "\(slug)"])
            throw AppError.rateLimited(retryAfterSeconds: wait, message: "Too many login attempts; try again later")
        }
        let account = try await users.find(email: email, tenantSlug: slug)
        let (tenant, user) = (account?.tenant, account?.user)
        let matches = try await passwords.verify(password, against: user?.passwordHash ?? dummyPasswordHash)
        guard let tenant, let user, matches, user.isActive else {
            let reason: LoginRefusal = tenant == nil ? .unknownTenant : user == nil ? .unknownEmail : !matches ? .wrongPassword : .inactiveUser
            refusals.count(reason)
            if let tenant {
                audit.record(AuditEntry(.loginFailed, .failure, tenant: tenant.id, subject: user?.id, reason: reason.rawValue, at: now()))
            }
            logger.info("Login refused", metadata: ["tenant": "\(slug)", "reason": "\(reason.rawValue)"])
            throw Self.loginRefused
        }
        var verified = user
        if passwords.needsRehash(user.passwordHash), let rehashed = await rehash(user, password: password, logger: logger) {
            verified.passwordHash = rehashed
        }
        let tokens = try await startSession(for: verified, in: tenant, logger: logger)
        audit.record(AuditEntry(.loginSucceeded, tenant: tenant.id, actor: user.id, subject: user.id, at: now()))
        logger.info("Logged in", metadata: ["user_id": "\(user.id.lowercasedString)", "tenant_id": "\(tenant.id.lowercasedString)"])
        return tokens
    }

    /// Exchanges a refresh token for a new pair. A token that was already exchanged revokes its whole
    /// family, unless it is the immediately previous one, within `REFRESH_REUSE_GRACE`, used once more.
    func refresh(_ secret: String, audit: AuditTrail, logger: Logger) async throws -> TokenResponse {
        let now = now()
        // The token with its user as they are before the rotation (one read): a cut-off made after this
        // read either revokes the token before it rotates, or is seen by the exchange, which then
        // stores and hands out nothing.
        guard let owned = try await refreshTokens.findWithOwner(tokenHash: RefreshTokenSecret.hash(secret)),
            owned.token.revokedAt == nil, owned.token.expiresAt > now
        else { throw Self.refreshRefused }
        let record = owned.token
        guard let user = owned.user, user.isActive, let tenant = owned.tenant else {
            try await refreshTokens.revokeFamily(record.familyID, at: now)
            throw Self.refreshRefused
        }

        let replacementSecret = RefreshTokenSecret.generate()
        let replacement = newRecord(secret: replacementSecret, family: record.familyID, userID: record.userID, tenantID: record.tenantID, at: now)
        let claim: RefreshClaim
        if let rotatedAt = record.rotatedAt {
            let graceStart = now.addingTimeInterval(-reuseGrace.seconds)
            guard reuseGrace > .zero, rotatedAt >= graceStart else { throw try await reused(record, at: now, logger: logger, audit: audit) }
            claim = .grace(rotatedSince: graceStart)
        } else {
            claim = .rotation(at: now)
        }
        // Signed before the exchange: a cut-off that commits after it has a `not_before` later than this
        // token's `iat`, and one that committed before it shows in the exchange, which then hands out nothing.
        let accessToken = try await accessTokens.issue(for: user, in: tenant, at: self.now())
        switch try await store.exchange(record.id, by: claim, for: replacement, issuedTo: user) {
        case .exchanged:
            return TokenResponse(accessToken: accessToken, refreshToken: replacementSecret, expiresIn: accessTokens.lifetimeSeconds)
        case .notClaimed:
            throw try await reused(record, at: now, logger: logger, audit: audit)
        case .userChanged:
            try await refreshTokens.revokeFamily(record.familyID, at: now)
            logger.notice("Sessions were cut off while tokens were issued; none handed out", metadata: ["user_id": "\(user.id.lowercasedString)"])
            throw Self.refreshRefused
        }
    }

    /// A spent refresh token presented again (once too often within the grace, or exchanged by another
    /// request first): its family is revoked, and the refusal to throw is returned.
    private func reused(_ record: RefreshTokenRecord, at now: Date, logger: Logger, audit: AuditTrail) async throws -> AppError {
        try await refreshTokens.revokeFamily(record.familyID, at: now)
        audit.record(Self.reuse(of: record, at: now))
        logger.warning("Refresh token reused; its family is revoked", metadata: [
            "user_id": "\(record.userID.lowercasedString)", "family_id": "\(record.familyID.lowercasedString)",
        ])
        return Self.refreshRefused
    }

    /// Ends the session of a refresh token: its whole family is revoked. Unknown tokens are accepted
    /// silently: logging out twice is not an error.
    func logout(_ secret: String, audit: AuditTrail) async throws {
        guard let record = try await refreshTokens.find(tokenHash: RefreshTokenSecret.hash(secret)) else { return }
        try await refreshTokens.revokeFamily(record.familyID, at: now())
        audit.record(AuditEntry(.logout, tenant: record.tenantID, actor: record.userID, subject: record.userID, at: now()))
    }

    /// Ends every session of the caller: refresh tokens revoked, access tokens cut off.
    func logoutEverywhere(_ caller: AuthenticatedUser, audit: AuditTrail, logger: Logger) async throws {
        try await cutOffs.cutOff(userID: caller.userID)
        audit.record(AuditEntry(.logoutEverywhere, tenant: caller.tenantID, actor: caller.userID, subject: caller.userID, at: now()))
        logger.info("Logged out everywhere", metadata: ["user_id": "\(caller.userID.lowercasedString)"])
    }

    // MARK: Parts

    /// A spent refresh token presented again: whoever presented it is unknown (the owner or a thief),
    /// so the owner is its subject and there is no actor.
    private static func reuse(of record: RefreshTokenRecord, at date: Date) -> AuditEntry {
        AuditEntry(.refreshTokenReused, .failure, tenant: record.tenantID, subject: record.userID, reason: "family_revoked", at: date)
    }

    /// A new family for `user` as read before their password was checked.
    private func startSession(for user: User, in tenant: Tenant, logger: Logger) async throws -> TokenResponse {
        let secret = RefreshTokenSecret.generate()
        let now = now()
        let record = newRecord(secret: secret, family: UUID.version7(at: now), userID: user.id, tenantID: user.tenantID, at: now)
        // Signed first, the token stored only while the user is as read before the password was checked:
        // no token outlives a cut-off made before it was issued (the hardening issue's finding 10).
        let accessToken = try await accessTokens.issue(for: user, in: tenant, at: self.now())
        guard try await store.openSession(with: record, issuedTo: user) else {
            logger.notice("Sessions were cut off while tokens were issued; none handed out", metadata: ["user_id": "\(user.id.lowercasedString)"])
            throw Self.loginRefused
        }
        return TokenResponse(accessToken: accessToken, refreshToken: secret, expiresIn: accessTokens.lifetimeSeconds)
    }

    /// A refresh token of `family` (a new session's, or the successor of one of its tokens), with a
    /// time-ordered id: the store's key grows at its end.
    private func newRecord(secret: String, family: UUID, userID: UUID, tenantID: UUID, at now: Date) -> RefreshTokenRecord {
        RefreshTokenRecord(
            id: UUID.version7(at: now), familyID: family, userID: userID, tenantID: tenantID, tokenHash: RefreshTokenSecret.hash(secret),
            createdAt: now, expiresAt: now.addingTimeInterval(refreshTokenTTL.seconds),
            rotatedAt: nil, graceUsed: false, revokedAt: nil)
    }

    /// Stores the password again with the current parameters and returns the new hash; a failure only
    /// delays that to the next login (nil).
    private func rehash(_ user: User, password: String, logger: Logger) async -> String? {
        do {
            let hash = try await passwords.hash(password)
            _ = try await users.update(id: user.id, tenantID: user.tenantID, changes: UserChanges(passwordHash: hash), at: now())
            return hash
        } catch {
            logger.warning("Cannot rehash a password", metadata: ["user_id": "\(user.id.lowercasedString)", "error": "\(error)"])
            return nil
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
