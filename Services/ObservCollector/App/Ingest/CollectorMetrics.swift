import Foundation
import Prometheus
import ServiceKit
import Synchronization

/// The collector's metrics: its own work (events received and rejected, commit sizes and latency,
/// queue depth) and what it learns from request events (count and duration by tenant, service, route
/// and status class).
///
/// The learned series are bounded whatever events say (`LearnedLabels`): at most `maxTenants` tenants
/// get series of their own, the busiest (every minute the ranking is made again, and the series of a
/// tenant that drops out are removed), the rest `tenant="other"`; at most `maxRoutes` routes a service,
/// the rest `route="other"`. Tenant labels are UUIDs the collector parsed, and service labels come from
/// the ingest keys.
final class CollectorMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    let queueDepth: Gauge
    private let batchSize: ValueHistogram
    private let requestsPerCommit: ValueHistogram
    private let commitDuration: DurationHistogram
    private let labels: Mutex<LearnedLabels>
    private let now: @Sendable () -> Date

    static let batchSizeBuckets: [Double] = [1, 10, 100, 1_000, 5_000, 10_000, 25_000, 50_000]
    static let commitBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    ]

    init(_ metrics: ServiceMetrics, maxTenants: Int = 1_000, maxRoutes: Int = 200, now: @escaping @Sendable () -> Date = { Date() }) {
        registry = metrics.registry
        labels = Mutex(LearnedLabels(maxTenants: maxTenants, maxRoutes: maxRoutes, now: now()))
        self.now = now
        queueDepth = registry.makeGauge(descriptor: .named("collector_queue_depth_events", help: "Events accepted and waiting for their commit"))
        batchSize = registry.makeValueHistogram(
            descriptor: .named("collector_commit_events", help: "Events written by one transaction"), buckets: Self.batchSizeBuckets)
        requestsPerCommit = registry.makeValueHistogram(
            descriptor: .named("collector_commit_requests", help: "Ingest requests answered by one transaction"), buckets: Self.batchSizeBuckets)
        commitDuration = registry.makeDurationHistogram(
            descriptor: .named("collector_commit_duration_seconds", help: "Time to write and commit one transaction"), buckets: Self.commitBuckets)
    }

    func received(_ count: Int, from service: String) {
        registry.makeCounter(descriptor: .named("collector_events_received_total"), labels: [("service", service)]).increment(by: Int64(count))
    }

    /// A batch whose `Idempotency-Key` was committed before: answered again, stored once.
    func repeatedBatch(_ count: Int, from service: String) {
        registry.makeCounter(descriptor: .named("collector_events_repeated_total"), labels: [("service", service)]).increment(by: Int64(count))
    }

    /// A refused request's events, by why: `unreadable`, `invalid`, `queue_full`, `shutting_down`, `storage`.
    func rejected(_ count: Int, from service: String, reason: String) {
        registry.makeCounter(descriptor: .named("collector_events_rejected_total"), labels: [("service", service), ("reason", reason)])
            .increment(by: Int64(count))
    }

    /// The queue's bound (`INGEST_QUEUE_CAPACITY`), beside its depth: alerts compare the two.
    func queueCapacity(_ capacity: Int) {
        registry.makeGauge(descriptor: .named("collector_queue_capacity_events", help: "Events the ingest queue holds at most")).set(Double(capacity))
    }

    func recordCommit(events: Int, requests: Int, duration: Duration, queued: Int) {
        batchSize.record(Double(events))
        requestsPerCommit.record(Double(requests))
        commitDuration.record(duration)
        queueDepth.set(Double(queued))
    }

    /// Events over their tenant's ingest quota, dropped at ingest.
    func droppedOverQuota(_ count: Int, tenant: UUID?) {
        labels.withLock { labels in
            let label = labels.tenant(tenant?.lowercasedString ?? "none")
            registry.makeCounter(descriptor: .named("collector_events_dropped_total"), labels: Self.quotaLabels(label)).increment(by: Int64(count))
        }
    }

    static func quotaLabels(_ tenant: String) -> [(String, String)] { [("tenant", tenant), ("reason", "tenant_quota")] }

    /// What committed request events say about the tenants' traffic.
    func learn(from events: [StoredEvent]) {
        // Ranking, labelling and the registry's series change together under one lock: a series made by
        // a request labelled before another one's ranking evicted its tenant would otherwise outlive it.
        labels.withLock { labels in
            let evicted = labels.rerankIfDue(at: now())
            for tenant in evicted.tenants {
                registry.unregisterCounter(registry.makeCounter(descriptor: .named("collector_events_dropped_total"), labels: Self.quotaLabels(tenant)))
            }
            for series in evicted.series {
                // A tenant no longer among the busiest: its own series go (its traffic counts as `other` now).
                registry.unregisterCounter(registry.makeCounter(descriptor: .named("tenant_requests_total"), labels: series.pairs))
                registry.unregisterDurationHistogram(registry.makeDurationHistogram(
                    descriptor: .named("tenant_request_duration_seconds"), labels: series.pairs, buckets: ServiceMetrics.requestDurationBuckets))
            }
            var durations: [LearnedLabels.SeriesLabels: [Double]] = [:]
            for group in RequestGroup.groups(of: events) {
                let key = group.key
                let series = LearnedLabels.SeriesLabels(
                    tenant: labels.tenant(key.tenantID?.lowercasedString ?? "none", events: group.durations.count),
                    service: key.service, route: labels.route(key.route, service: key.service), statusClass: "\(key.statusClass)xx")
                durations[series, default: []].append(contentsOf: group.durations)
            }
            for (series, values) in durations {
                labels.record(series)
                registry.makeCounter(descriptor: .named("tenant_requests_total"), labels: series.pairs).increment(by: Int64(values.count))
                let histogram = registry.makeDurationHistogram(
                    descriptor: .named("tenant_request_duration_seconds"), labels: series.pairs, buckets: ServiceMetrics.requestDurationBuckets)
                for value in values { histogram.record(Self.duration(milliseconds: value)) }
            }
        }
    }

    /// Request events that share what their labels are made from, with their durations. Labels are made
    /// once a group rather than once an event: making them (a tenant's id as text, texts hashed into the
    /// learned sets, the status class formatted) for every event was 6 % of the collector's CPU under ingest.
    struct RequestGroup {
        /// What a series' labels are made from.
        struct Key: Hashable {
            let tenantID: UUID?
            let service: String
            let route: String?
            let statusClass: Int
        }

        let key: Key
        var durations: [Double]

        /// The groups of the request events with a status and a duration, in the order first seen (so
        /// that tenants and routes are learned in the order their events came).
        static func groups(of events: [StoredEvent]) -> [RequestGroup] {
            var groups: [RequestGroup] = []
            var indexByKey: [Key: Int] = [:]
            for index in events.indices {  // by index: a loop's `event` copies every text of it
                guard events[index].type == .request, let status = events[index].status, let duration = events[index].durationMs else {
                    continue
                }
                let key = Key(tenantID: events[index].tenantID, service: events[index].service, route: events[index].route, statusClass: status / 100)
                if let group = indexByKey[key] {
                    groups[group].durations.append(duration)
                } else {
                    indexByKey[key] = groups.count
                    groups.append(RequestGroup(key: key, durations: [duration]))
                }
            }
            return groups
        }
    }

    /// Milliseconds as a `Duration`, held within the contract's day so that no value can trap.
    static func duration(milliseconds: Double) -> Duration {
        let bounded = milliseconds.isFinite ? min(max(milliseconds, 0), ObservedEvent.durationRange.upperBound) : 0
        return .microseconds(Int64(bounded * 1000))
    }
}
