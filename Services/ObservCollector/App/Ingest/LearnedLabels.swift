import Foundation

/// Which tenants and routes have learned series of their own in the collector's metrics, so that
/// events, whatever they say, add a bounded number of series.
///
/// - Tenants: at most `maxTenants`, the busiest. Until the budget is full a new tenant is let in at
///   once; after that, every `rerankInterval` the tenants with the most request events since the last
///   ranking (those with series, and up to `maxTenants` others, counted while they wait as `other`)
///   take the places, and the series of the ones that lose theirs are handed back for removal. Counts
///   halve at each ranking, so that a burst fades.
/// - Routes: at most `maxRoutes` a service, the first seen; a route that is not a path template
///   (`/` then printable ASCII without quotes, backslashes or spaces) is `unknown`.
struct LearnedLabels {
    /// The labels of one learned series.
    struct SeriesLabels: Hashable {
        let tenant, service, route, statusClass: String

        var pairs: [(String, String)] {
            [("tenant", tenant), ("service", service), ("route", route), ("status_class", statusClass)]
        }
    }

    let maxTenants: Int
    let maxRoutes: Int
    let rerankInterval: TimeInterval
    private var admitted: Set<String> = []
    /// Request events by tenant since the last ranking: admitted tenants and at most `maxTenants` others.
    private var activity: [String: Int] = [:]
    private var waiting = 0
    private var lastRanking: Date
    private var series: [String: Set<SeriesLabels>] = [:]
    private var routes: [String: Set<String>] = [:]

    init(maxTenants: Int, maxRoutes: Int, rerankInterval: TimeInterval = 60, now: Date) {
        self.maxTenants = maxTenants
        self.maxRoutes = maxRoutes
        self.rerankInterval = rerankInterval
        self.lastRanking = now
    }

    /// The label of a tenant's events, counting them.
    mutating func tenant(_ tenant: String, events: Int = 1) -> String {
        if tenant == "none" { return tenant }
        if admitted.contains(tenant) {
            activity[tenant, default: 0] += events
            return tenant
        }
        if admitted.count < maxTenants {
            admitted.insert(tenant)
            activity[tenant, default: 0] += events
            return tenant
        }
        if activity[tenant] != nil {
            activity[tenant]! += events
        } else if waiting < maxTenants {
            activity[tenant] = events
            waiting += 1
        }
        return "other"
    }

    mutating func route(_ route: String?, service: String) -> String {
        guard let route, Self.isTemplate(route) else { return "unknown" }
        if routes[service]?.contains(route) == true { return route }
        guard routes[service, default: []].count < maxRoutes else { return "other" }
        routes[service, default: []].insert(route)
        return route
    }

    /// Remembers a series made for an admitted tenant, to remove it if the tenant loses its place.
    mutating func record(_ labels: SeriesLabels) {
        guard admitted.contains(labels.tenant) else { return }
        series[labels.tenant, default: []].insert(labels)
    }

    /// Ranks the tenants again when it is time; returns those that lost their place, and their series.
    mutating func rerankIfDue(at now: Date) -> (tenants: Set<String>, series: [SeriesLabels]) {
        guard now.timeIntervalSince(lastRanking) >= rerankInterval else { return ([], []) }
        lastRanking = now
        // Busiest first; on a tie a tenant that has its place keeps it.
        let ranked = admitted.union(activity.keys).sorted { a, b in
            let (countA, countB) = (activity[a, default: 0], activity[b, default: 0])
            if countA != countB { return countA > countB }
            if admitted.contains(a) != admitted.contains(b) { return admitted.contains(a) }
            return a < b
        }
        let next = Set(ranked.prefix(maxTenants))
        let losers = admitted.subtracting(next)
        admitted = next
        var evicted: [SeriesLabels] = []
        for tenant in losers { evicted += series.removeValue(forKey: tenant) ?? [] }
        activity = activity.compactMapValues { $0 / 2 > 0 ? $0 / 2 : nil }
        waiting = activity.keys.count { !admitted.contains($0) }
        return (losers, evicted)
    }

    /// A path template: `/` then printable ASCII without quotes, backslashes or spaces.
    static func isTemplate(_ route: String) -> Bool {
        route.utf8.first == UInt8(ascii: "/") && route.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C }
    }
}
