import Foundation

/// Token buckets by key, with a bound on how many are kept: the state of a rate limit or a quota.
///
/// Each bucket holds up to `burst` tokens and refills at `refillPerSecond`. At most `capacity` buckets
/// are kept: past that, refilled buckets are forgotten first (they are as good as new), then the
/// fullest ones (those used least lately), down to nine tenths of the capacity, so that pruning runs
/// once for many new keys and an emptied bucket, the one that is doing its job, is the last to go.
/// Not thread-safe: keep it behind a `Mutex`.
public struct TokenBuckets<Key: Hashable & Sendable>: Sendable {
    struct Bucket: Sendable {
        var tokens: Double
        var updated: Date
    }

    public let burst: Double
    public let refillPerSecond: Double
    public let capacity: Int
    private var buckets: [Key: Bucket] = [:]

    public init(burst: Double, refillPerSecond: Double, capacity: Int) {
        self.burst = burst
        self.refillPerSecond = refillPerSecond
        self.capacity = max(1, capacity)
    }

    /// Buckets kept now.
    public var count: Int { buckets.count }

    /// The tokens in `key`'s bucket at `now` (a new key has a full bucket).
    public func available(_ key: Key, at now: Date) -> Double {
        buckets[key].map { tokens(of: $0, at: now) } ?? burst
    }

    /// Takes `count` tokens from `key`'s bucket (its tokens may go below zero no further than the caller
    /// lets them; callers check `available` first; a negative count gives tokens back, never beyond
    /// `burst`) and prunes when over capacity.
    public mutating func take(_ count: Double, from key: Key, at now: Date) {
        buckets[key] = Bucket(tokens: min(burst, available(key, at: now) - count), updated: now)
        if buckets.count > capacity { prune(at: now) }
    }

    /// Seconds until `key`'s bucket holds `count` tokens (0 when it does).
    public func wait(for count: Double, from key: Key, at now: Date) -> Double {
        max(0, (count - available(key, at: now)) / refillPerSecond)
    }

    private func tokens(of bucket: Bucket, at now: Date) -> Double {
        min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * refillPerSecond)
    }

    private mutating func prune(at now: Date) {
        buckets = buckets.filter { _, bucket in tokens(of: bucket, at: now) < burst }
        let target = capacity - capacity / 10
        guard buckets.count > target else { return }
        let fullest = buckets.sorted { tokens(of: $0.value, at: now) > tokens(of: $1.value, at: now) }.prefix(buckets.count - target)
        for (key, _) in fullest { buckets[key] = nil }
    }
}
