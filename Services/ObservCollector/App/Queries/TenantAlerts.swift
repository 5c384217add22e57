import Foundation

/// The tenant's alert conditions, the ones operators have in Prometheus (`deploy/prometheus/rules/
/// saas.yml`), evaluated by the collector on the tenant's own requests of the last five minutes, for
/// `GET /v1/alerts` and the dashboard. Prometheus also waits for a condition to hold a while (`for`)
/// before it pages; here a condition is shown as soon as the last five minutes meet it.
enum TenantAlerts {
    /// A condition and its threshold.
    struct Rule: Codable, Sendable, Equatable {
        var name: String
        var description: String
        var threshold: Double
    }

    /// A condition that holds now, for a service (and a route, for latency), with its value.
    struct Firing: Codable, Sendable, Equatable {
        var alert: String
        var service: String
        var route: String?
        var value: Double
        var threshold: Double
        var summary: String
    }

    /// What the conditions are evaluated on.
    static let window: TimeInterval = 300

    static let errorRate = Rule(
        name: "TenantErrorRateHigh", description: "Over 1 % of a service's requests answered 5xx (with at least 15 requests)", threshold: 0.01)
    static let latency = Rule(name: "LatencyP99High", description: "A route's 99th percentile over 300 ms", threshold: 300)
    static let rules = [errorRate, latency]
    /// Fewer requests than this in the window never make an error rate (0.05 a second, as the rule says).
    static let minimumRequests = 15

    /// The conditions that hold in these statistics of the window, services first, then routes.
    static func firing(in routes: [RouteStatistics]) -> [Firing] {
        var firing: [Firing] = []
        for (service, routes) in Dictionary(grouping: routes, by: \.service).sorted(by: { $0.key < $1.key }) {
            let count = routes.map(\.count).reduce(0, +)
            let errors = routes.map(\.errorCount).reduce(0, +)
            let rate = count == 0 ? 0 : Double(errors) / Double(count)
            if count >= minimumRequests, rate > errorRate.threshold {
                firing.append(Firing(
                    alert: errorRate.name, service: service, value: rate, threshold: errorRate.threshold,
                    summary: "\(String(format: "%.1f", rate * 100)) % of \(count) requests to \(service) failed in the last 5 minutes"))
            }
        }
        for route in routes.sorted(by: { ($0.service, $0.route) < ($1.service, $1.route) }) where route.p99Ms > latency.threshold {
            firing.append(Firing(
                alert: latency.name, service: route.service, route: route.route, value: route.p99Ms, threshold: latency.threshold,
                summary: "\(route.service) \(route.route): p99 \(String(format: "%.0f", route.p99Ms)) ms over the last 5 minutes"))
        }
        return firing
    }
}

/// `GET /v1/alerts`.
struct AlertsResponse: Codable, Sendable {
    var evaluatedAt: Date
    var window: String
    var rules: [TenantAlerts.Rule]
    var firing: [TenantAlerts.Firing]
}
