import DatabaseKit
import Foundation
import PostgresNIO

/// Rate limits shared by every replica on one PostgreSQL: the token buckets of `RateLimiter`, kept in
/// `rate_limit_buckets` under a key's 128-bit digest, so that two replicas never double a limit. An
/// attempt is charged only when every key has one left (`PostgresTokenBuckets`: one short transaction).
struct PostgresRateLimiter: AttemptLimiter {
    let limit: Int
    let buckets: PostgresTokenBuckets<RateLimitBuckets>
    let now: @Sendable () -> Date

    init(limit: Int, database: PostgreSQLDatabase, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.limit = limit
        self.buckets = PostgresTokenBuckets(burst: Double(limit), refillPerSecond: Double(limit) / 60, database: database, logger: logger)
        self.now = now
    }

    func attempt(_ keys: [String]) async throws -> Int? {
        let refill = buckets.refillPerSecond
        return try await buckets.update(keys.map { RateLimiter.Key($0).hex }, at: now()) { available in
            let wait = available.values.map { max(0, (1 - $0) / refill) }.max() ?? 0
            guard wait == 0 else { return ([:], Int(wait.rounded(.up))) }
            return (available.mapValues { $0 - 1 }, nil)
        }
    }

    func forgetRefilled() async throws -> Int {
        try await buckets.forgetRefilled(at: now())
    }
}

/// The auth service's table of rate-limit buckets.
enum RateLimitBuckets: TokenBucketTable {
    static let statements = TokenBucketStatements(table: "rate_limit_buckets", keyColumn: "key")
}
