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

    /// Every event of one of the tenant's traces, across services, oldest first (the first
    /// `maximumTraceEvents`); 404 when the tenant has none, or the id is not a trace id.
    func trace(_ traceID: String, by caller: AuthenticatedUser) async throws -> TraceResponse {
        try requireAdmin(caller)
        guard ObservedEvent.isTraceID(traceID) else { throw Self.traceNotFound }
        let events = try await store.trace(traceID, tenantID: caller.tenantID, limit: Self.maximumTraceEvents)
        guard !events.isEmpty else { throw Self.traceNotFound }
        return TraceResponse(traceId: traceID, items: events.map(EventResponse.init))
    }

    static let traceNotFound = AppError.notFound("Trace not found")
    /// Events in a trace answer at most: a request's trace holds a few.
    static let maximumTraceEvents = 1_000

    func stats(window: String, by caller: AuthenticatedUser) async throws -> StatsResponse {
        try requireAdmin(caller)
        guard let seconds = Self.windows[window] else {
            throw AppError.validationFailed([FieldError(field: "window", message: "must be 15m, 1h or 24h")])
        }
        let to = now()
        let from = Self.start(ofMinutes: seconds, endingWith: to)
        let routes = try await store.routeStatistics(tenantID: caller.tenantID, since: from, limit: Self.maximumRoutes)
        let items = routes.map {
            StatsResponse.RouteStats(
                service: $0.service, route: $0.route, count: $0.count, errorCount: $0.errorCount, p50Ms: $0.p50Ms, p95Ms: $0.p95Ms, p99Ms: $0.p99Ms)
        }.sorted { ($0.service, $0.route) < ($1.service, $1.route) }
        return StatsResponse(window: window, from: from, to: to, items: items)
    }

    /// Statistics are counted by the minute (`RequestRollup`): a window of `seconds` is the minute `now`
    /// is in and the ones before it, that many seconds in all.
    static func start(ofMinutes seconds: TimeInterval, endingWith now: Date) -> Date {
        let end = (RequestRollup.minute(of: now.millisecondsSince1970) + 1) * RequestRollup.millisecondsPerMinute
        return Date(millisecondsSince1970: end - Int64(seconds * 1000))
    }

    /// The steps of `GET /v1/stats/series`, by their wire name.
    static let steps: [String: TimeInterval] = ["1m": 60, "5m": 300, "1h": 3600]

    /// The tenant's requests over `window` in steps of `step`, optionally of one service and route. The
    /// steps are aligned to multiples of the step (so that a chart's points stay put between refreshes)
    /// and the last one holds now; a window holds at least one step and at most 1,440.
    func series(window: String, step: String, service: String?, route: String?, by caller: AuthenticatedUser) async throws -> SeriesResponse {
        try requireAdmin(caller)
        var validator = FieldValidator()
        let windowSeconds = Self.windows[window]
        let stepSeconds = Self.steps[step]
        validator.check(windowSeconds != nil, "window", "must be 15m, 1h or 24h")
        validator.check(stepSeconds != nil, "step", "must be 1m, 5m or 1h")
        if let windowSeconds, let stepSeconds {
            validator.check(stepSeconds <= windowSeconds, "step", "must not be longer than the window")
        }
        try validator.finish()
        let stepMilliseconds = Int64(stepSeconds! * 1000)
        let steps = Int(windowSeconds! / stepSeconds!)
        let now = now().millisecondsSince1970
        let end = (now / stepMilliseconds + 1) * stepMilliseconds
        let from = Date(millisecondsSince1970: end - Int64(steps) * stepMilliseconds)
        let to = Date(millisecondsSince1970: end)
        let points = try await store.series(SeriesQuery(
            tenantID: caller.tenantID, from: from, to: to, stepMilliseconds: stepMilliseconds, service: service, route: route))
        let byStep = Dictionary(points.map { ($0.step, $0) }) { first, _ in first }
        let items = (0..<steps).map { index in
            let start = Date(millisecondsSince1970: from.millisecondsSince1970 + Int64(index) * stepMilliseconds)
            guard let point = byStep[index] else { return SeriesResponse.Step(start: start, count: 0, errorCount: 0) }
            return SeriesResponse.Step(
                start: start, count: point.count, errorCount: point.errorCount, p50Ms: point.p50Ms, p95Ms: point.p95Ms, p99Ms: point.p99Ms)
        }
        return SeriesResponse(window: window, step: step, service: service, route: route, from: from, to: to, items: items)
    }

    /// Which of the tenant's alert conditions hold on its requests of the last five minutes.
    func alerts(by caller: AuthenticatedUser) async throws -> AlertsResponse {
        try requireAdmin(caller)
        let now = now()
        let routes = try await store.routeStatistics(
            tenantID: caller.tenantID, since: Self.start(ofMinutes: TenantAlerts.window, endingWith: now), limit: Self.maximumRoutes)
        return AlertsResponse(evaluatedAt: now, window: "5m", rules: TenantAlerts.rules, firing: TenantAlerts.firing(in: routes))
    }

    /// Routes in a statistics answer at most: the most requested (a tenant whose events carry raw paths
    /// instead of route templates would otherwise get one line per path).
    static let maximumRoutes = 1_000

    private func requireAdmin(_ caller: AuthenticatedUser) throws {
        guard caller.role == .admin else { throw AppError.forbidden("Only an admin of the tenant can read its logs and statistics") }
    }
}

/// The filters of the log routes, read from the query: `from` and `to` for every log; `status`,
/// `method`, `path`, `user_id`, `service`, `request_id`, `trace_id` for requests and errors; `action`,
/// `outcome`, `actor_id`, `subject_id` for the audit log. A bad value is a 400 naming it.
struct EventFilters: Sendable, Equatable {
    var from: Date?
    var to: Date?
    var status: EventQuery.StatusFilter?
    var method: String?
    var path: String?
    var userID: UUID?
    var service: String?
    var requestID: String?
    var traceID: String?
    var action: String?
    var outcome: String?
    var actorID: UUID?
    var subjectID: UUID?

    /// Reads the filters of the log of `type` from the query; their problems go to `query`'s 400.
    init(_ query: inout QueryReader, of type: StoredEvent.Kind) {
        from = query.timestamp("from")
        to = query.timestamp("to")
        // Text filters are compared with stored texts: held to the same limits as the events' fields.
        guard type != .audit else {
            action = query.text("action", 1...64)
            outcome = query.text("outcome", 1...32)
            actorID = query.uuid("actor_id")
            subjectID = query.uuid("subject_id")
            return
        }
        status = query.value("status", "must be a status such as 404 or a class such as 5xx") { text in
            if let code = Int(text), (100...599).contains(code) { return .exactly(code) }
            if text.count == 3, text.lowercased().hasSuffix("xx"), let hundreds = Int(text.prefix(1)), (1...5).contains(hundreds) {
                return .inClass(hundreds)
            }
            return nil
        }
        method = query.text("method", 1...16)?.uppercased()
        path = query.text("path", 1...2048)
        userID = query.uuid("user_id")
        service = query.text("service", 1...64)
        requestID = query.text("request_id", 1...128)
        traceID = query.value("trace_id", "must be 32 lower-case hex digits") { ObservedEvent.isTraceID($0) ? $0 : nil }
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
        query.traceID = traceID
        query.action = action
        query.outcome = outcome
        query.actorID = actorID
        query.subjectID = subjectID
    }
}
