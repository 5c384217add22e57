import Foundation

/// A security-relevant action for a tenant's audit trail: who (`actorID`) did what (`action`) to whom
/// (`subjectID`) in which tenant, how it ended, and the reason code of a failure. Only ids and codes:
/// never a password, a token, a hash, or text a client typed.
public struct AuditEntry: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case success
        case failure
    }

    public var action: String
    public var outcome: Outcome
    public var tenantID: UUID?
    public var actorID: UUID?
    public var subjectID: UUID?
    public var reason: String?
    public var at: Date

    public init(
        _ action: String, _ outcome: Outcome = .success, tenantID: UUID?, actorID: UUID? = nil, subjectID: UUID? = nil,
        reason: String? = nil, at: Date = Date()
    ) {
        self.action = action
        self.outcome = outcome
        self.tenantID = tenantID
        self.actorID = actorID
        self.subjectID = subjectID
        self.reason = reason
        self.at = at
    }
}

/// Where a request's audit entries go: into its observation, which `RequestEvents` ships as
/// `audit` events carrying the request's id, client address and user agent once the request is
/// answered (so an entry recorded just before an error is thrown is shipped all the same). Nowhere
/// when the service ships no events.
public struct AuditTrail: Sendable {
    private let observation: RequestObservation?

    public init(_ observation: RequestObservation?) {
        self.observation = observation
    }

    /// A trail that keeps nothing.
    public static let none = AuditTrail(nil)

    public func record(_ entry: AuditEntry) {
        observation?.recordAudit(entry)
    }
}

extension ServiceRequestContext {
    /// The request's audit trail.
    public var audit: AuditTrail { AuditTrail(observation) }
}
