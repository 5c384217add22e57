import Hummingbird
import Metrics
import Synchronization

/// The route template as Prometheus and the collector's events show it: `/v1/posts/{id}`.
enum RouteLabel {
    /// Labels made so far, by the router's endpoint path (a template of the router's, never a raw path,
    /// so they are as many as its routes; `limit` is only a bound).
    private static let made = Mutex<[String: String]>([:])
    static let limit = 1_024

    static func of(_ endpointPath: String?) -> String {
        guard let path = endpointPath, path != "NotFound" else { return "unmatched" }
        if let label = made.withLock({ $0[path] }) { return label }
        // Hummingbird writes captures as `:id`; the contract and OpenAPI write `{id}`.
        let label = "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        made.withLock { labels in if labels.count < limit { labels[path] = label } }
        return label
    }
}

/// Every request counted and timed, by method, route template and status (`http_requests_total` and
/// `http_request_duration_seconds`), with the status it was answered with, errors included
/// (`ServiceMiddleware`). The route is the template the router matched (`/v1/posts/{id}`), never the
/// raw path, so that the number of series stays bounded; requests that matched no route are labelled
/// `unmatched`.
///
/// The counter and timer of each method, route and status met are made once: making them through the
/// factory for every request looked each series up again by its label strings.
final class RequestSeries: Sendable {
    private struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    private struct Handles {
        let requests: any CounterHandler
        let durations: any TimerHandler
    }

    private let factory: any MetricsFactory
    private let made = Mutex<[Key: Handles]>([:])
    /// A bound on the series kept here (methods are the HTTP parser's few, routes the router's, statuses
    /// the services'); past it, a request's handles are made for it alone, as the factory keeps them anyway.
    static let limit = 4_096

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(method: String, route: String, status: Int, elapsed: Duration) {
        let handles = self.handles(for: Key(method: method, route: route, status: status))
        handles.requests.increment(by: 1)
        let (seconds, attoseconds) = elapsed.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        handles.durations.recordNanoseconds(overflow ? .max : nanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }

    private func handles(for key: Key) -> Handles {
        if let handles = made.withLock({ $0[key] }) { return handles }
        let dimensions = [("method", key.method), ("route", key.route), ("status", String(key.status))]
        let handles = Handles(
            requests: factory.makeCounter(label: "http_requests_total", dimensions: dimensions),
            durations: factory.makeTimer(label: "http_request_duration_seconds", dimensions: dimensions))
        made.withLock { made in if made.count < Self.limit { made[key] = handles } }
        return handles
    }
}
