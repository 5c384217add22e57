import Foundation
import Synchronization

/// What is learnt about a request while it is handled, for its events: who the caller is (set by the
/// authenticator, deep inside the middleware chain), what failed, and what it did that belongs in
/// the tenant's audit trail. A reference, because the
/// context that carries it is copied on its way in and never comes back out.
public final class RequestObservation: Sendable {
    public struct Failure: Sendable, Equatable {
        public var type: String
        public var message: String
    }

    private struct State {
        var tenantID: String?
        var userID: String?
        var failures: [Failure] = []
        var audits: [AuditEntry] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The authenticated caller.
    public func identify(tenantID: String, userID: String) {
        state.withLock { state in
            state.tenantID = tenantID
            state.userID = userID
        }
    }

    /// A failure worth an `error` event: a 5xx, or one the service caught and carried on from.
    public func recordFailure(type: String, message: String) {
        state.withLock { $0.failures.append(Failure(type: type, message: String(message.prefix(1000)))) }
    }

    /// An action for the audit trail (see `AuditTrail`). A request no token identified (a login, a
    /// sign-up, a logout by refresh token) belongs, once it succeeded, to the tenant and user it acted
    /// for: its request event then goes to that tenant's logs, statistics and traces. A failed one
    /// stays of no tenant (who made it is not known).
    public func recordAudit(_ entry: AuditEntry) {
        state.withLock { state in
            state.audits.append(entry)
            if state.tenantID == nil, entry.outcome == .success, let tenant = entry.tenantID, let actor = entry.actorID {
                state.tenantID = tenant.lowercasedString
                state.userID = actor.lowercasedString
            }
        }
    }

    public var tenantID: String? { state.withLock { $0.tenantID } }
    public var userID: String? { state.withLock { $0.userID } }
    public var failures: [Failure] { state.withLock { $0.failures } }
    public var audits: [AuditEntry] { state.withLock { $0.audits } }
}
