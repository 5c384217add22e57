import Foundation
import ServiceKit
import Synchronization

/// Each tenant's share of the collector: at most `TENANT_EVENT_RATE` events a second, in bursts of
/// `TENANT_EVENT_BURST`, so that one tenant's traffic cannot fill the queue and the disk for everyone.
/// Events over the quota are dropped at ingest and counted; the batch itself is still accepted. Events
/// with no tenant share one bucket of their own.
///
/// The writer takes the quota of a whole group commit at once, just before writing it, and gives back
/// what it took for events that were not stored after all (a failed write, a repeated batch): one
/// exchange with a shared store per commit, not per request.
protocol IngestQuota: Sendable {
    /// Takes up to `wanted[tenant]` events from each tenant's bucket; returns how many each got.
    func take(_ wanted: [UUID?: Int], at now: Date) async throws -> [UUID?: Int]
    /// Gives back what `take` granted, for events that were not stored.
    func giveBack(_ counts: [UUID?: Int], at now: Date) async throws
    /// Forgets the buckets that have filled up again; returns how many.
    func forgetRefilled(at now: Date) async throws -> Int
}

/// The quota in this process's memory: the collector on SQLite, which one process writes.
final class TenantIngestQuota: IngestQuota {
    private let buckets: Mutex<TokenBuckets<UUID?>>
    /// Tenants tracked at most (their buckets are forgotten once full again, the fullest first).
    static let capacity = 100_000

    init(rate: Int, burst: Int) {
        buckets = Mutex(TokenBuckets(burst: Double(burst), refillPerSecond: Double(rate), capacity: Self.capacity))
    }

    func take(_ wanted: [UUID?: Int], at now: Date) -> [UUID?: Int] {
        buckets.withLock { buckets in
            wanted.mapValues { _ in 0 }.merging(wanted.map { tenant, count in
                let granted = min(count, Int(max(0, buckets.available(tenant, at: now)).rounded(.down)))
                buckets.take(Double(granted), from: tenant, at: now)
                return (tenant, granted)
            }, uniquingKeysWith: { $1 })
        }
    }

    func giveBack(_ counts: [UUID?: Int], at now: Date) {
        buckets.withLock { buckets in
            for (tenant, count) in counts where count > 0 { buckets.take(-Double(count), from: tenant, at: now) }
        }
    }

    /// `TokenBuckets` prunes itself within its capacity.
    func forgetRefilled(at now: Date) -> Int { 0 }
}

extension Array where Element == StoredEvent {
    /// How many events each tenant has here.
    var countsByTenant: [UUID?: Int] {
        var counts: [UUID?: Int] = [:]
        count(into: &counts)
        return counts
    }

    /// Adds how many events each tenant has here to `counts`.
    func count(into counts: inout [UUID?: Int]) {
        for index in indices { counts[self[index].tenantID, default: 0] += 1 }  // by index: a loop's `event` copies every text
    }
}

extension Array where Element == IngestBatch {
    /// How many events each tenant has in these batches, all together.
    var countsByTenant: [UUID?: Int] {
        var counts: [UUID?: Int] = [:]
        for batch in self {
            batch.events.count(into: &counts)
        }
        return counts
    }
}
