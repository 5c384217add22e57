import Foundation
import Hummingbird

/// Builds the router every service starts from: ServiceKit's middlewares in their order, then the
/// operational routes. The service adds its own routes, then calls `addMethodNotAllowedRoutes()`.
///
/// Middleware order, outermost first:
/// 1. `RequestIDMiddleware`: every response, even an error, carries `X-Request-ID`.
/// 2. `AllowedOriginsMiddleware` (when `allowedOrigins` has any): pages of those origins may call.
/// 3. `TraceContextMiddleware`: every request continues or starts a W3C trace, answered in `traceparent`.
/// 4. `RequestEventMiddleware` (when `events` is given): every request becomes an event for the collector.
/// 5. `RequestMetricsMiddleware`: counts every request with the status it was answered with.
/// 6. `ErrorResponseMiddleware`: every error becomes the contract's body.
public enum ServiceRouter {
    public static func make<Context: ServiceRequestContext>(
        context: Context.Type = Context.self,
        metrics: ServiceMetrics,
        readiness: @escaping ReadinessCheck,
        readinessWarnings: @escaping ReadinessWarnings = { [] },
        openAPIDocument: Data? = nil,
        events: RequestEventMiddleware<Context>? = nil,
        allowedOrigins: AllowedOrigins = AllowedOrigins()
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RequestIDMiddleware<Context>())
        if !allowedOrigins.isEmpty { router.add(middleware: AllowedOriginsMiddleware<Context>(allowedOrigins)) }
        router.add(middleware: TraceContextMiddleware<Context>())
        if let events { router.add(middleware: events) }
        router.add(middleware: RequestMetricsMiddleware<Context>(metrics: metrics))
        router.add(middleware: ErrorResponseMiddleware<Context>())
        OperationalRoutes<Context>(metrics: metrics, readiness: readiness, warnings: readinessWarnings, openAPIDocument: openAPIDocument)
            .add(to: router)
        return router
    }
}

extension Router where Context: ServiceRequestContext {
    /// The methods a REST route may have; any of them sent to a path that does not take it answers 405.
    static var restMethods: [HTTPRequest.Method] { [.get, .post, .put, .patch, .delete] }
    /// Methods no route takes, answered 405 on every known path too (not 404: the path exists):
    /// `OPTIONS`, `TRACE` and the `QUERY` of the IETF draft.
    static var otherMethods: [HTTPRequest.Method] { [.options, .trace, HTTPRequest.Method("QUERY")!] }

    /// Makes every known path answer 405 `method_not_allowed`, with `Allow`, for the methods it does
    /// not take (Hummingbird answers 404 for them). Call once, after the last route is added.
    public func addMethodNotAllowedRoutes() {
        let methodsByPath = Dictionary(grouping: routes, by: { $0.path.description })
        for (_, routes) in methodsByPath {
            let path = routes[0].path
            let allowed = Set(routes.map(\.method))
            let allowHeader = Self.restMethods.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            for method in Self.restMethods + Self.otherMethods where !allowed.contains(method) {
                on(path, method: method) { _, _ -> Response in
                    throw AppError(.methodNotAllowed, "Method not allowed", headers: [.allow: allowHeader])
                }
            }
        }
    }
}
