import Foundation
import Hummingbird

/// Builds the router every service starts from: `ServiceMiddleware` (the request id, allowed origins,
/// trace, events, errors and metrics, in the order written there), then the operational routes. The
/// service adds its own routes, then calls `addMethodNotAllowedRoutes()`.
public enum ServiceRouter {
    public static func make<Context: ServiceRequestContext>(
        context: Context.Type = Context.self,
        metrics: ServiceMetrics,
        readiness: @escaping ReadinessCheck,
        readinessWarnings: @escaping ReadinessWarnings = { [] },
        openAPIDocument: Data? = nil,
        events: RequestEvents? = nil,
        allowedOrigins: AllowedOrigins = AllowedOrigins()
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: ServiceMiddleware<Context>(metrics: metrics, events: events, origins: allowedOrigins))
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
