import DatabaseKit
import Foundation
import PostgresNIO

/// Rate limits shared by every replica on one PostgreSQL: the token buckets of `RateLimiter`, kept in
/// `rate_limit_buckets` (a key's 128-bit digest, its tokens and when they were counted), so that two
/// replicas never double a limit.
///
/// An attempt is one short transaction: the keys' rows are made if missing, locked in key order (two
/// attempts sharing keys wait for each other, never deadlock), refilled by the time since they were
/// counted, and charged only when every key has an attempt left. The housekeeping forgets rows that
/// have filled up again.
struct PostgresRateLimiter: AttemptLimiter {
    let limit: Int
    let database: PostgreSQLDatabase
    let logger: Logger
    let now: @Sendable () -> Date

    private var burst: Double { Double(limit) }
    private var refillPerSecond: Double { Double(limit) / 60 }

    func attempt(_ keys: [String]) async throws -> Int? {
        let keys = Set(keys.map { RateLimiter.Key($0).hex }).sorted()
        let now = now().timeIntervalSince1970
        let (burst, refillPerSecond) = (burst, refillPerSecond)
        return try await database.transaction { [logger] connection in
            try await connection.run(
                """
                INSERT INTO rate_limit_buckets (key, tokens, counted_at) SELECT unnest(\(keys)::text[]), \(burst), \(now)
                ON CONFLICT (key) DO NOTHING
                """,
                logger: logger)
            let rows = try await connection.rows(
                "SELECT key, tokens, counted_at FROM rate_limit_buckets WHERE key = ANY(\(keys)::text[]) ORDER BY key FOR UPDATE",
                logger: logger)
            var left: [String: Double] = [:]
            for row in rows {
                let (tokens, countedAt) = try (row.required("tokens", as: Double.self), row.required("counted_at", as: Double.self))
                left[try row.required("key", as: String.self)] = min(burst, tokens + max(0, now - countedAt) * refillPerSecond)
            }
            let wait = left.values.map { max(0, (1 - $0) / refillPerSecond) }.max() ?? 0
            guard wait == 0 else { return Int(wait.rounded(.up)) }
            let charged = keys.map { (left[$0] ?? burst) - 1 }
            try await connection.run(
                """
                UPDATE rate_limit_buckets AS b SET tokens = v.tokens, counted_at = \(now)
                FROM unnest(\(keys)::text[], \(charged)::float8[]) AS v(key, tokens) WHERE b.key = v.key
                """,
                logger: logger)
            return nil
        }
    }

    /// Rows not counted for as long as a bucket takes to fill from empty.
    func forgetRefilled() async throws -> Int {
        let before = now().timeIntervalSince1970 - burst / refillPerSecond
        return try await database.withConnection { [logger] connection in
            try await connection.rows(
                "WITH gone AS (DELETE FROM rate_limit_buckets WHERE counted_at < \(before) RETURNING 1) SELECT COUNT(*) AS n FROM gone",
                logger: logger
            ).first?.required("n", as: Int.self) ?? 0
        }
    }
}
