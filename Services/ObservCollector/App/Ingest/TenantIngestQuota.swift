import Foundation
import ServiceKit
import Synchronization

/// Each tenant's share of the collector: at most `rate` events a second, with bursts of `burst`
/// (`TENANT_EVENT_RATE`, `TENANT_EVENT_BURST`), so that one tenant's traffic cannot fill the queue and
/// the disk for everyone. Events over the quota are dropped at ingest and counted; the batch itself is
/// still accepted. Events with no tenant share one bucket of their own.
final class TenantIngestQuota: Sendable {
    private let buckets: Mutex<TokenBuckets<UUID?>>
    /// Tenants tracked at most (their buckets are forgotten once full again, the fullest first).
    static let capacity = 100_000

    init(rate: Int, burst: Int) {
        buckets = Mutex(TokenBuckets(burst: Double(burst), refillPerSecond: Double(rate), capacity: Self.capacity))
    }

    /// Gives back the quota that `events` took, when the collector could not take them after all (a full
    /// queue): the sender will retry, and a refused batch must not cost its tenant twice.
    func refund(_ events: [StoredEvent], at now: Date) {
        var counts: [UUID?: Int] = [:]
        for event in events { counts[event.tenantID, default: 0] += 1 }
        buckets.withLock { buckets in
            for (tenant, count) in counts { buckets.take(-Double(count), from: tenant, at: now) }
        }
    }

    /// The events within their tenants' quotas, in their order, and how many of each tenant's were dropped.
    func admit(_ events: [StoredEvent], at now: Date) -> (admitted: [StoredEvent], dropped: [UUID?: Int]) {
        var wanted: [UUID?: Int] = [:]
        for event in events { wanted[event.tenantID, default: 0] += 1 }
        var allowed: [UUID?: Int] = [:]
        buckets.withLock { buckets in
            for (tenant, count) in wanted {
                let granted = min(count, Int(max(0, buckets.available(tenant, at: now)).rounded(.down)))
                buckets.take(Double(granted), from: tenant, at: now)
                allowed[tenant] = granted
            }
        }
        guard allowed != wanted else { return (events, [:]) }
        var dropped: [UUID?: Int] = [:]
        for (tenant, count) in wanted where count > allowed[tenant, default: 0] { dropped[tenant] = count - allowed[tenant, default: 0] }
        var admitted: [StoredEvent] = []
        admitted.reserveCapacity(events.count)
        for event in events where allowed[event.tenantID, default: 0] > 0 {
            allowed[event.tenantID, default: 0] -= 1
            admitted.append(event)
        }
        return (admitted, dropped)
    }
}
