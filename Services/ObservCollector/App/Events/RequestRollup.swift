import Foundation

/// What the statistics are computed from: a tenant's requests counted per service, route (the path
/// when the sender gave none), minute and duration rounded to three significant digits, kept at
/// ingest in the transaction that stores the events. A window's statistics read a row per distinct
/// duration of each minute instead of every request: sorting a window's raw events took 2.2 s with
/// 600,000 requests in the hour and passed the statement time limit with 2,600,000.
///
/// Windows are whole minutes, and percentiles are of the rounded durations (`12.34` ms counts as
/// `12.3`, `1234` as `1230`): at most 0.5 % off, exact for whole milliseconds below 1,000.
struct RequestRollupKey: Hashable, Sendable {
    var tenantID: UUID
    var service: String
    var route: String
    var minute: Int64
    var durationMs: Double
}

/// The requests of one rollup key, and how many of them were answered with a 5xx.
struct RequestRollupCounts: Sendable, Equatable {
    var count: Int64 = 0
    var errors: Int64 = 0
}

enum RequestRollup {
    static let millisecondsPerMinute: Int64 = 60_000

    /// The minute (since the epoch) `milliseconds` falls in.
    static func minute(of milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / millisecondsPerMinute : (milliseconds - millisecondsPerMinute + 1) / millisecondsPerMinute
    }

    /// `durationMs` rounded to three significant digits (`0.4237` → `0.424`, `1234` → `1230`), ties to
    /// even: the arithmetic of the PostgreSQL upgrade's SQL (`RequestRollupSchema.postgresBackfill`).
    static func rounded(_ durationMs: Double) -> Double {
        guard durationMs > 0, durationMs.isFinite else { return 0 }
        let exponent = log10(durationMs).rounded(.down) - 2
        if exponent >= 0 {
            let scale = pow(10, exponent)
            return (durationMs / scale).rounded(.toNearestOrEven) * scale
        }
        // Divided by a power of ten, not multiplied by its inverse, so that 0.424 stays 0.424.
        let scale = pow(10, -exponent)
        return (durationMs * scale).rounded(.toNearestOrEven) / scale
    }

    /// The rollup rows of `events`: their requests that have a tenant, summed per key.
    static func rows(of events: some Sequence<StoredEvent>) -> [RequestRollupKey: RequestRollupCounts] {
        var rows: [RequestRollupKey: RequestRollupCounts] = [:]
        for event in events { add(event, to: &rows) }
        return rows
    }

    /// Counts `event` in `rows` when it is a request with a tenant.
    static func add(_ event: StoredEvent, to rows: inout [RequestRollupKey: RequestRollupCounts]) {
        guard event.type == .request, let tenantID = event.tenantID, let route = event.route ?? event.path else { return }
        let key = RequestRollupKey(
            tenantID: tenantID, service: event.service, route: route, minute: minute(of: event.ts.millisecondsSince1970),
            durationMs: rounded(event.durationMs ?? 0))
        rows[key, default: RequestRollupCounts()].count += 1
        if (event.status ?? 0) >= 500 { rows[key, default: RequestRollupCounts()].errors += 1 }
    }

    /// How far back an upgrade counts the stored requests: the longest window (a day) and a margin.
    static let backfillMilliseconds: Int64 = 25 * 3_600_000

    /// How long rollups are kept: past the longest window, they serve nothing.
    static let keptMilliseconds: Int64 = 25 * 3_600_000

    /// The rows in key order: two writers adding to the same keys take their row locks in one order.
    static func sorted(_ rows: [RequestRollupKey: RequestRollupCounts]) -> [(key: RequestRollupKey, counts: RequestRollupCounts)] {
        rows.map { (tenant: $0.key.tenantID.lowercasedString, key: $0.key, counts: $0.value) }
            .sorted { ($0.tenant, $0.key.minute, $0.key.service, $0.key.route, $0.key.durationMs) < ($1.tenant, $1.key.minute, $1.key.service, $1.key.route, $1.key.durationMs) }
            .map { (key: $0.key, counts: $0.counts) }
    }
}

/// A service and route of the statistics.
struct ServiceRoute: Hashable, Sendable {
    var service: String
    var route: String
}

/// The durations of a group of requests (a route, a step of a series) as counted by the rollups, and
/// their nearest-rank percentiles: the smallest duration with at least p % of the requests at or below it.
struct DurationDistribution: Sendable {
    private var counts: [Double: Int64] = [:]
    private(set) var count: Int64 = 0
    private(set) var errors: Int64 = 0

    mutating func add(durationMs: Double, count: Int64, errors: Int64) {
        counts[durationMs, default: 0] += count
        self.count += count
        self.errors += errors
    }

    /// The 50th, 95th and 99th percentiles; zeros when there are no requests.
    var percentiles: (p50: Double, p95: Double, p99: Double) {
        let ascending = counts.sorted { $0.key < $1.key }
        func percentile(_ p: Int64) -> Double {
            var seen: Int64 = 0
            for (duration, count) in ascending {
                seen += count
                if seen * 100 >= p * self.count { return duration }
            }
            return ascending.last?.key ?? 0
        }
        return (percentile(50), percentile(95), percentile(99))
    }
}

/// The duration distributions of groups of rollup rows (routes, steps of a series), summed as the rows
/// are read. A window's rows come in the rollups' key order (minute, then service and route), so a
/// route's rows, and a step's, follow one another: a group's distribution is looked up when the group
/// changes, not hashed for every row.
struct GroupedDistributions<Group: Hashable> {
    private var groups: [Group: DurationDistribution] = [:]
    private var current: Group?
    private var distribution = DurationDistribution()

    /// The groups summed so far.
    var count: Int { groups.count + (current == nil ? 0 : 1) }

    /// Makes `group` the one the next rows are added to.
    mutating func select(_ group: Group) {
        guard group != current else { return }
        if let current { groups[current] = distribution }
        distribution = groups.removeValue(forKey: group) ?? DurationDistribution()
        current = group
    }

    /// Adds a row to the selected group.
    mutating func add(durationMs: Double, count: Int64, errors: Int64) {
        distribution.add(durationMs: durationMs, count: count, errors: errors)
    }

    /// Every group's distribution.
    mutating func finished() -> [Group: DurationDistribution] {
        if let current { groups[current] = distribution }
        (current, distribution) = (nil, DurationDistribution())
        return groups
    }
}

extension [ServiceRoute: DurationDistribution] {
    /// The statistics of the `limit` most requested routes.
    func routeStatistics(limit: Int) -> [RouteStatistics] {
        map { route, distribution in
            let (p50, p95, p99) = distribution.percentiles
            return RouteStatistics(
                service: route.service, route: route.route, count: Int(distribution.count), errorCount: Int(distribution.errors),
                p50Ms: p50, p95Ms: p95, p99Ms: p99)
        }.mostRequested(limit: limit)
    }
}

extension [RouteStatistics] {
    /// The `limit` most requested routes, the most requested first (then by service and route).
    func mostRequested(limit: Int) -> [RouteStatistics] {
        Array(sorted { ($1.count, $0.service, $0.route) < ($0.count, $1.service, $1.route) }.prefix(limit))
    }
}

extension [Int: DurationDistribution] {
    /// Series points of distributions keyed by step, in step order.
    var seriesPoints: [SeriesPoint] {
        sorted { $0.key < $1.key }.map { step, distribution in
            let (p50, p95, p99) = distribution.percentiles
            return SeriesPoint(
                step: step, count: Int(distribution.count), errorCount: Int(distribution.errors), p50Ms: p50, p95Ms: p95, p99Ms: p99)
        }
    }
}
