import Prometheus
import ServiceKit

/// Why a login was refused: the audit trail's `reason`, and the label of `auth_logins_refused_total`.
/// The client is told none of it (every refusal is the same 401).
enum LoginRefusal: String, CaseIterable, Sendable {
    /// Belongs to no tenant: counted in the metric only, never in an audit trail.
    case unknownTenant = "unknown_tenant"
    case unknownEmail = "unknown_email"
    case wrongPassword = "wrong_password"
    case inactiveUser = "inactive_user"

    /// `auth_logins_refused_total{reason}`, one counter per reason (a fixed set of labels).
    struct Counters: Sendable {
        private let counters: [LoginRefusal: Counter]

        init(metrics: ServiceMetrics?) {
            var counters: [LoginRefusal: Counter] = [:]
            if let registry = metrics?.registry {
                for reason in LoginRefusal.allCases {
                    counters[reason] = registry.makeCounter(descriptor: .named("auth_logins_refused_total"), labels: [("reason", reason.rawValue)])
                }
            }
            self.counters = counters
        }

        func count(_ reason: LoginRefusal) {
            counters[reason]?.increment()
        }
    }
}
