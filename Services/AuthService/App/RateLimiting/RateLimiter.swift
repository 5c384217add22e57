import Foundation
import Synchronization

/// Counts attempts per key (a client address, an account) with token buckets: `limit` attempts at once,
/// refilled at `limit` a minute. Memory stays bounded: full buckets are forgotten.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    public let limit: Int
    private let refillPerSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let now: @Sendable () -> Date

    /// Above this many tracked keys, buckets that have refilled are dropped.
    static let pruneThreshold = 10_000

    public init(perMinute limit: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.refillPerSecond = Double(limit) / 60
        self.now = now
    }

    /// Takes one attempt from every key's bucket, or none when any is empty. Returns nil when allowed,
    /// else the whole seconds until it would be.
    public func attempt(_ keys: [String]) -> Int? {
        let now = now()
        return buckets.withLock { buckets in
            var current: [(String, Bucket)] = []
            var wait = 0.0
            for key in keys {
                var bucket = buckets[key] ?? Bucket(tokens: Double(limit), updated: now)
                bucket.tokens = min(Double(limit), bucket.tokens + now.timeIntervalSince(bucket.updated) * refillPerSecond)
                bucket.updated = now
                if bucket.tokens < 1 { wait = max(wait, (1 - bucket.tokens) / refillPerSecond) }
                current.append((key, bucket))
            }
            for (key, var bucket) in current {
                if wait == 0 { bucket.tokens -= 1 }
                buckets[key] = bucket
            }
            if buckets.count > Self.pruneThreshold { prune(&buckets, now: now) }
            return wait == 0 ? nil : Int(wait.rounded(.up))
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: Date) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + now.timeIntervalSince(bucket.updated) * refillPerSecond < Double(limit)
        }
    }
}
