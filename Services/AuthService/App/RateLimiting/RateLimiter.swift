import Crypto
import Foundation
import ServiceKit
import Synchronization

/// Counts attempts per key (a client address, an account) with token buckets: `limit` attempts at once,
/// refilled at `limit` a minute. One process's limits: the store of a single process (SQLite) uses it;
/// replicas on PostgreSQL share theirs (`PostgresRateLimiter`).
///
/// Memory is bounded whatever callers send: a key is stored as a 128-bit digest of its text (callers
/// pass only validated values, but a digest keeps every entry the same size anyway), and at most
/// `capacity` buckets are kept (`TokenBuckets` says which go first).
public final class RateLimiter: AttemptLimiter {
    /// A bucket's key: the first 128 bits of the SHA-256 of its text.
    struct Key: Hashable, Sendable {
        let high: UInt64
        let low: UInt64

        init(_ text: String) {
            let digest = SHA256.hash(data: Data(text.utf8))
            (high, low) = digest.withUnsafeBytes { bytes in
                (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
        }

        /// The 128 bits as 32 hexadecimal digits: the key as a shared store keeps it.
        var hex: String {
            let high = String(self.high, radix: 16), low = String(self.low, radix: 16)
            return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
        }
    }

    public let limit: Int
    private let buckets: Mutex<TokenBuckets<Key>>
    private let now: @Sendable () -> Date

    public init(perMinute limit: Int, capacity: Int = 100_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.buckets = Mutex(TokenBuckets(burst: Double(limit), refillPerSecond: Double(limit) / 60, capacity: capacity))
        self.now = now
    }

    /// Buckets held now.
    var count: Int { buckets.withLock { $0.count } }

    public func attempt(_ keys: [String]) -> Int? {
        let now = now()
        let keys = keys.map(Key.init)
        return buckets.withLock { buckets in
            let wait = keys.map { buckets.wait(for: 1, from: $0, at: now) }.max() ?? 0
            guard wait == 0 else { return Int(wait.rounded(.up)) }
            for key in keys { buckets.take(1, from: key, at: now) }
            return nil
        }
    }
}

/// Where attempts are counted: `limit` a minute per key, in bursts of `limit`.
public protocol AttemptLimiter: Sendable {
    var limit: Int { get }
    /// Takes one attempt from every key's bucket, or none when any is empty. Returns nil when allowed,
    /// else the whole seconds until it would be.
    func attempt(_ keys: [String]) async throws -> Int?
    /// Forgets the buckets that have filled up again (they are as good as new); returns how many.
    func forgetRefilled() async throws -> Int
}

extension RateLimiter {
    /// Its buckets are bounded in memory (`TokenBuckets` prunes them as it goes).
    public func forgetRefilled() -> Int { 0 }
}
