import Foundation
import ServiceKit
import TokenVerification

/// The queries of a tenant's admin: request and error logs, and statistics. Always confined to the
/// token's tenant; anyone but an admin gets 403.
struct EventQueryService: Sendable {
    let store: any EventStore
    let now: @Sendable () -> Date

    /// The windows of `GET /v1/stats`, by their wire name.
    static let windows: [String: TimeInterval] = ["15m": 900, "1h": 3600, "24h": 86_400]

    func events(_ type: StoredEvent.Kind, filters: EventFilters, page: PageRequest, by caller: AuthenticatedUser) async throws -> Page<EventResponse> {
        try requireAdmin(caller)
        var query = EventQuery(tenantID: caller.tenantID, type: type)
        filters.apply(to: &query)
        let rows = try await store.events(matching: query, page: page)
        return page.page(of: rows, cursor: { KeysetCursor(date: $0.ts, id: String($0.id ?? 0)) }, item: EventResponse.init)
    }

    func stats(window: String, by caller: AuthenticatedUser) async throws -> StatsResponse {
        try requireAdmin(caller)
        guard let seconds = Self.windows[window] else {
            throw AppError.validationFailed([FieldError(field: "window", message: "must be 15m, 1h or 24h")])
        }
        let to = now()
        let from = to.addingTimeInterval(-seconds)
        let samples = try await store.requestSamples(tenantID: caller.tenantID, since: from)
        return StatsResponse(window: window, from: from, to: to, items: Self.summarize(samples))
    }

    /// One line per service and route, sorted by them.
    static func summarize(_ samples: [RequestSample]) -> [StatsResponse.RouteStats] {
        struct Key: Hashable, Comparable {
            let service, route: String
            static func < (a: Key, b: Key) -> Bool { (a.service, a.route) < (b.service, b.route) }
        }
        let groups = Dictionary(grouping: samples) { Key(service: $0.service, route: $0.route) }
        return groups.keys.sorted().map { key in
            let group = groups[key]!
            let durations = group.map(\.durationMs).sorted()
            return StatsResponse.RouteStats(
                service: key.service, route: key.route, count: group.count, errorCount: group.count { $0.status >= 500 },
                p50Ms: percentile(50, of: durations), p95Ms: percentile(95, of: durations), p99Ms: percentile(99, of: durations))
        }
    }

    /// The nearest-rank percentile of sorted values: the smallest value with at least `p` % of the
    /// values at or below it (1…100 ms give p50 = 50, p99 = 99).
    static func percentile(_ p: Double, of sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    private func requireAdmin(_ caller: AuthenticatedUser) throws {
        guard caller.role == .admin else { throw AppError.forbidden("Only an admin of the tenant can read its logs and statistics") }
    }
}

/// The filters of the log routes, read from the query: `from`, `to`, `status`, `method`, `path`,
/// `user_id`, `service`, `request_id`. A bad value is a 400 naming it.
struct EventFilters: Sendable, Equatable {
    var from: Date?
    var to: Date?
    var status: EventQuery.StatusFilter?
    var method: String?
    var path: String?
    var userID: UUID?
    var service: String?
    var requestID: String?

    init(_ value: (String) -> String?) throws {
        var validator = FieldValidator()
        if let text = value("from") {
            from = Timestamp.parse(text)
            validator.check(from != nil, "from", "must be an RFC 3339 timestamp")
        }
        if let text = value("to") {
            to = Timestamp.parse(text)
            validator.check(to != nil, "to", "must be an RFC 3339 timestamp")
        }
        if let text = value("status") {
            if let code = Int(text), (100...599).contains(code) {
                status = .exactly(code)
            } else if text.count == 3, text.lowercased().hasSuffix("xx"), let hundreds = Int(text.prefix(1)), (1...5).contains(hundreds) {
                status = .inClass(hundreds)
            } else {
                validator.check(false, "status", "must be a status such as 404 or a class such as 5xx")
            }
        }
        method = value("method")?.uppercased()
        path = value("path")
        if let text = value("user_id") {
            userID = UUID(parsing: text)
            validator.check(userID != nil, "user_id", "must be a UUID")
        }
        service = value("service")
        requestID = value("request_id")
        try validator.finish()
    }

    func apply(to query: inout EventQuery) {
        query.from = from
        query.to = to
        query.status = status
        query.method = method
        query.path = path
        query.userID = userID
        query.service = service
        query.requestID = requestID
    }
}
