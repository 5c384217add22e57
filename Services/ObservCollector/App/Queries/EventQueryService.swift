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
        let routes = try await store.routeStatistics(tenantID: caller.tenantID, since: from, limit: Self.maximumRoutes)
        let items = routes.map {
            StatsResponse.RouteStats(
                service: $0.service, route: $0.route, count: $0.count, errorCount: $0.errorCount, p50Ms: $0.p50Ms, p95Ms: $0.p95Ms, p99Ms: $0.p99Ms)
        }.sorted { ($0.service, $0.route) < ($1.service, $1.route) }
        return StatsResponse(window: window, from: from, to: to, items: items)
    }

    /// Routes in a statistics answer at most: the most requested (a tenant whose events carry raw paths
    /// instead of route templates would otherwise get one line per path).
    static let maximumRoutes = 1_000

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
        // Text filters are compared with stored texts: held to the same limits as the events' fields
        // (an empty one is no filter).
        func text(_ name: String, _ length: ClosedRange<Int>) -> String? {
            guard let text = value(name), !text.isEmpty else { return nil }
            validator.checkText(text, name, length)
            return text
        }
        method = text("method", 1...16)?.uppercased()
        path = text("path", 1...2048)
        if let text = value("user_id") {
            userID = UUID(parsing: text)
            validator.check(userID != nil, "user_id", "must be a UUID")
        }
        service = text("service", 1...64)
        requestID = text("request_id", 1...128)
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
