import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// One service's Prometheus registry and the swift-metrics factory that writes into it.
///
/// Each application gets its own, so tests that run several applications in one process see each
/// one's metrics apart. `bootstrapGlobal()` (called once by the executable) also routes the metrics
/// of libraries that use the global `MetricsSystem` into the same registry.
public struct ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let scrapeHooks = ScrapeHooks()

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.requestDurationBuckets
        self.factory = factory
        let process = ProcessMetrics(registry: registry)
        beforeEachScrape { process.update() }
    }

    /// Runs `update` before each rendering: for figures read when asked (memory, open files) rather
    /// than counted as they happen.
    public func beforeEachScrape(_ update: @escaping @Sendable () -> Void) {
        scrapeHooks.updates.withLock { $0.append(update) }
    }

    private final class ScrapeHooks: Sendable {
        let updates = Mutex<[@Sendable () -> Void]>([])
    }

    /// 1 ms to 10 s: the span of a request's duration.
    public static let requestDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// The Prometheus text exposition of everything recorded so far.
    public func render() -> String {
        for update in scrapeHooks.updates.withLock({ $0 }) { update() }
        return registry.emitToString()
    }

    /// Makes this registry the process's global metrics backend. Call once, from `main`.
    public func bootstrapGlobal() {
        MetricsSystem.bootstrap(factory)
    }
}

extension MetricNameDescriptor {
    /// A metric by its whole name as exposed (`event_shipper_events_sent_total`), with a `# HELP` line
    /// when `help` is not empty: swift-prometheus builds a name from parts (namespace, subsystem, name,
    /// unit), and ours are written whole.
    public static func named(_ name: String, help: String = "") -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
