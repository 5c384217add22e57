import DequeModule
import Synchronization

/// Tokens already verified, so that a client reusing its token does not pay for a signature check
/// on every request.
///
/// Keyed by the whole token; an entry is good until the token's own expiry. Bounded: when full,
/// the oldest entry makes room (first in, first out, which with one token lifetime is also
/// roughly the soonest to expire).
public final class VerifiedTokenCache: Sendable {
    struct Entry {
        let user: AuthenticatedUser
        /// `exp` plus the leeway, seconds since the epoch.
        let validUntil: Int
    }

    private struct Storage {
        var entries: [String: Entry] = [:]
        var insertionOrder: Deque<String> = []
    }

    public let capacity: Int
    private let storage = Mutex(Storage())

    public init(capacity: Int = 10_000) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { storage.withLock { $0.entries.count } }

    /// The user of a cached token still valid at `now`. An expired entry stays until it is evicted,
    /// so that the queue and the table always hold the same keys.
    func user(for token: String, now: Int) -> AuthenticatedUser? {
        storage.withLock { storage in
            guard let entry = storage.entries[token], now <= entry.validUntil else { return nil }
            return entry.user
        }
    }

    func insert(_ user: AuthenticatedUser, for token: String, validUntil: Int) {
        storage.withLock { storage in
            let entry = Entry(user: user, validUntil: validUntil)
            guard storage.entries.updateValue(entry, forKey: token) == nil else { return }
            storage.insertionOrder.append(token)
            while storage.entries.count > capacity, let oldest = storage.insertionOrder.popFirst() {
                storage.entries[oldest] = nil
            }
        }
    }
}
