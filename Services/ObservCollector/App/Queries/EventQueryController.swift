import Hummingbird
import ServiceKit
import TokenVerification

/// `GET /v1/logs/requests`, `/v1/logs/errors`, `/v1/logs/audit`, `/v1/traces/{trace_id}`, `/v1/stats`,
/// `/v1/stats/series` and `/v1/alerts`, for a tenant's admin.
struct EventQueryController: Sendable {
    typealias Context = CallerContext<CollectorRequestContext>

    let service: EventQueryService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("logs/requests", use: requestLog)
            .get("logs/errors", use: errorLog)
            .get("logs/audit", use: auditLog)
            .get("traces/{trace_id}", use: trace)
            .get("stats", use: stats)
            .get("stats/series", use: series)
            .get("alerts", use: alerts)
    }

    /// `GET /v1/alerts`: the tenant's alert conditions that hold now.
    @Sendable func alerts(_ request: Request, context: Context) async throws -> Response {
        try Response.json(try await service.alerts(by: context.caller))
    }

    /// `GET /v1/stats/series?window=&step=&service=&route=`: per step, count, 5xx count and percentiles.
    @Sendable func series(_ request: Request, context: Context) async throws -> Response {
        var query = QueryReader(request)
        let window = query.raw("window") ?? "1h"
        let step = query.raw("step") ?? "1m"
        let serviceFilter = query.text("service", 1...64)
        let routeFilter = query.text("route", 1...2048)
        try query.finish()
        return try Response.json(
            try await service.series(window: window, step: step, service: serviceFilter, route: routeFilter, by: context.caller))
    }

    /// `GET /v1/traces/{trace_id}`: every event of the trace, across services, oldest first.
    @Sendable func trace(_ request: Request, context: Context) async throws -> Response {
        try Response.json(try await service.trace(context.parameters.get("trace_id") ?? "", by: context.caller))
    }

    /// `GET /v1/logs/requests` with the log filters, newest first.
    @Sendable func requestLog(_ request: Request, context: Context) async throws -> Response {
        try await log(of: .request, request, context: context)
    }

    /// `GET /v1/logs/errors` with the log filters, newest first.
    @Sendable func errorLog(_ request: Request, context: Context) async throws -> Response {
        try await log(of: .error, request, context: context)
    }

    /// `GET /v1/logs/audit` with the audit filters (`action`, `outcome`, `actor_id`, `subject_id`, `from`, `to`), newest first.
    @Sendable func auditLog(_ request: Request, context: Context) async throws -> Response {
        try await log(of: .audit, request, context: context)
    }

    /// `GET /v1/stats?window=`: per service and route, over the window (default `1h`).
    @Sendable func stats(_ request: Request, context: Context) async throws -> Response {
        let window = QueryReader(request).raw("window") ?? "1h"
        return try Response.json(try await service.stats(window: window, by: context.caller))
    }

    private func log(of type: StoredEvent.Kind, _ request: Request, context: Context) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page()
        let filters = EventFilters(&query, of: type)
        try query.finish()
        return try Response.json(try await service.events(type, filters: filters, page: page, by: context.caller))
    }
}
