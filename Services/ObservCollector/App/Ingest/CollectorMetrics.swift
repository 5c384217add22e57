import Foundation
import Prometheus
import ServiceKit

/// The collector's metrics: its own work (events received and rejected, commit sizes and latency,
/// queue depth) and what it learns from request events (count and duration by tenant, service, route
/// and status class). Labels stay bounded: routes are templates, never raw paths, and an event without
/// a route counts as `unknown`.
final class CollectorMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    let queueDepth: Gauge
    private let batchSize: ValueHistogram
    private let requestsPerCommit: ValueHistogram
    private let commitDuration: DurationHistogram

    static let batchSizeBuckets: [Double] = [1, 10, 100, 1_000, 5_000, 10_000, 25_000, 50_000]
    static let commitBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    ]

    init(_ metrics: ServiceMetrics) {
        registry = metrics.registry
        queueDepth = registry.makeGauge(name: "collector_queue_depth_events", help: "Events accepted and waiting for their commit")
        batchSize = registry.makeValueHistogram(
            name: "collector_commit_events", buckets: Self.batchSizeBuckets, help: "Events written by one transaction")
        requestsPerCommit = registry.makeValueHistogram(
            name: "collector_commit_requests", buckets: Self.batchSizeBuckets, help: "Ingest requests answered by one transaction")
        commitDuration = registry.makeDurationHistogram(
            name: "collector_commit_duration_seconds", buckets: Self.commitBuckets, help: "Time to write and commit one transaction")
    }

    func received(_ count: Int, from service: String) {
        registry.makeCounter(name: "collector_events_received_total", labels: [("service", service)]).increment(by: Int64(count))
    }

    /// A refused request's events, by why: `invalid`, `too_large`, `queue_full`, `unavailable`.
    func rejected(_ count: Int, from service: String, reason: String) {
        registry.makeCounter(name: "collector_events_rejected_total", labels: [("service", service), ("reason", reason)])
            .increment(by: Int64(count))
    }

    func recordCommit(events: Int, requests: Int, duration: Duration, queued: Int) {
        batchSize.record(Double(events))
        requestsPerCommit.record(Double(requests))
        commitDuration.record(duration)
        queueDepth.set(Double(queued))
    }

    /// What committed request events say about the tenants' traffic.
    func learn(from events: [StoredEvent]) {
        struct Series: Hashable {
            let tenant, service, route, statusClass: String
        }
        var durations: [Series: [Double]] = [:]
        for event in events where event.type == .request {
            guard let status = event.status, let duration = event.durationMs else { continue }
            let series = Series(
                tenant: event.tenantID?.lowercasedString ?? "none", service: event.service, route: event.route ?? "unknown",
                statusClass: "\(status / 100)xx")
            durations[series, default: []].append(duration)
        }
        for (series, values) in durations {
            let labels = [("tenant", series.tenant), ("service", series.service), ("route", series.route), ("status_class", series.statusClass)]
            registry.makeCounter(name: "tenant_requests_total", labels: labels).increment(by: Int64(values.count))
            let histogram = registry.makeDurationHistogram(
                name: "tenant_request_duration_seconds", labels: labels, buckets: ServiceMetrics.requestDurationBuckets)
            for value in values { histogram.record(.microseconds(Int64(value * 1000))) }
        }
    }
}
