import Hummingbird
import Metrics

/// Counts requests and times them, by method, route template and status:
/// `http_requests_total` and `http_request_duration_seconds`.
///
/// The route is the template the router matched (`/v1/posts/{id}`), never the raw path, so that the
/// number of series stays bounded; requests that matched no route are labelled `unmatched`.
/// It runs outside `ErrorResponseMiddleware`, so errors are counted with the status they answered.
public struct RequestMetricsMiddleware<Context: ServiceRequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    public init(metrics: ServiceMetrics) {
        self.factory = metrics.factory
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let dimensions = [
            ("method", request.method.rawValue),
            ("route", Self.routeLabel(context.endpointPath)),
            ("status", String(response.status.code)),
        ]
        Counter(label: "http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "http_request_duration_seconds", dimensions: dimensions, factory: factory).record(duration: elapsed)
        return response
    }

    /// The route template as Prometheus should see it: `/v1/posts/{id}`.
    static func routeLabel(_ endpointPath: String?) -> String {
        guard let path = endpointPath, path != "NotFound" else { return "unmatched" }
        // Hummingbird writes captures as `:id`; the contract and OpenAPI write `{id}`.
        return "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}
