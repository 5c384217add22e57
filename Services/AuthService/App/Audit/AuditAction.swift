import Foundation
import ServiceKit

/// The auth service's audit actions (the contract's "Audit events"), as `action` says them.
enum AuditAction: String, CaseIterable {
    case tenantCreated = "tenant.created"
    case userRegistered = "user.registered"
    case userCreated = "user.created"
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    /// A spent refresh token presented again: likely a stolen one. Its whole family is revoked.
    case refreshTokenReused = "refresh_token.reused"
    case roleChanged = "user.role_changed"
    case userDeactivated = "user.deactivated"
    case userReactivated = "user.reactivated"
    case passwordChanged = "user.password_changed"
    case logout = "logout"
    case logoutEverywhere = "logout.everywhere"
    /// An operator's `rotate-signing-key`: of no tenant.
    case signingKeyRotated = "signing_key.rotated"
}

extension AuditEntry {
    init(
        _ action: AuditAction, _ outcome: Outcome = .success, tenant: UUID?, actor: UUID? = nil, subject: UUID? = nil,
        reason: String? = nil, at date: Date
    ) {
        self.init(action.rawValue, outcome, tenantID: tenant, actorID: actor, subjectID: subject, reason: reason, at: date)
    }
}
