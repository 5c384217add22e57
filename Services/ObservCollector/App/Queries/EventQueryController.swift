import Hummingbird
import ServiceKit
import TokenVerification

/// `GET /v1/logs/requests`, `GET /v1/logs/errors` and `GET /v1/stats`, for a tenant's admin.
struct EventQueryController: Sendable {
    let service: EventQueryService

    func addRoutes(to group: RouterGroup<CallerContext<CollectorRequestContext>>) {
        for (path, type) in [("logs/requests", StoredEvent.Kind.request), ("logs/errors", .error)] {
            group.get(RouterPath(path)) { request, context in
                var query = QueryReader(request)
                let page = query.page()
                let filters = EventFilters(&query)
                try query.finish()
                return try Response.json(try await service.events(type, filters: filters, page: page, by: context.caller))
            }
        }
        group.get("stats") { request, context in
            let window = QueryReader(request).raw("window") ?? "1h"
            return try Response.json(try await service.stats(window: window, by: context.caller))
        }
    }
}
