import Hummingbird
import ServiceKit
import TokenVerification

/// `GET /v1/logs/requests`, `GET /v1/logs/errors`, `GET /v1/logs/audit` and `GET /v1/stats`, for a tenant's admin.
struct EventQueryController: Sendable {
    typealias Context = CallerContext<CollectorRequestContext>

    let service: EventQueryService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("logs/requests", use: requestLog)
            .get("logs/errors", use: errorLog)
            .get("logs/audit", use: auditLog)
            .get("stats", use: stats)
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
