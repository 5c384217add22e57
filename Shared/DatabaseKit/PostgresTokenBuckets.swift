import Foundation
import Logging
import PostgresNIO

/// Token buckets in a PostgreSQL table, shared by every process on the database: each replica sees the
/// tokens the others took. A bucket holds up to `burst` tokens and refills at `refillPerSecond`.
///
/// The table has a text key, the tokens, and when (seconds since the epoch) they were counted. A change
/// is one short transaction: the keys' rows are made (full) if missing, locked in key order (two
/// processes sharing keys wait for each other, never deadlock), refilled for the time since they were
/// counted, and written back as the caller decides.
public struct PostgresTokenBuckets: Sendable {
    /// The table and its key column: names fixed in code, never taken from input.
    public let table: StaticString
    public let keyColumn: StaticString
    public let burst: Double
    public let refillPerSecond: Double
    let database: PostgreSQLDatabase
    let logger: Logger

    public init(table: StaticString, keyColumn: StaticString, burst: Double, refillPerSecond: Double, database: PostgreSQLDatabase, logger: Logger) {
        self.table = table
        self.keyColumn = keyColumn
        self.burst = burst
        self.refillPerSecond = refillPerSecond
        self.database = database
        self.logger = logger
    }

    /// Locks the buckets of `keys`, refilled to `now`, and hands their tokens to `decide`, which returns
    /// the tokens each should hold now (keys it leaves out are not written) and a result, returned.
    public func update<Result: Sendable>(
        _ keys: some Collection<String>, at now: Date, _ decide: @escaping @Sendable ([String: Double]) -> (tokens: [String: Double], result: Result)
    ) async throws -> Result {
        let keys = Set(keys).sorted()
        let seconds = now.timeIntervalSince1970
        let (table, column, burst, refill) = ("\(table)", "\(keyColumn)", burst, refillPerSecond)
        return try await database.transaction { [logger] connection in
            var insert = PostgresQuery(unsafeSQL: """
                INSERT INTO \(table) (\(column), tokens, counted_at) SELECT unnest($1::text[]), $2, $3 ON CONFLICT (\(column)) DO NOTHING
                """)
            insert.binds.append(keys)
            insert.binds.append(burst)
            insert.binds.append(seconds)
            try await connection.run(insert, logger: logger)
            var select = PostgresQuery(unsafeSQL: "SELECT \(column) AS key, tokens, counted_at FROM \(table) WHERE \(column) = ANY($1::text[]) ORDER BY \(column) FOR UPDATE")
            select.binds.append(keys)
            var available: [String: Double] = [:]
            for row in try await connection.rows(select, logger: logger) {
                let (tokens, countedAt) = try (row.required("tokens", as: Double.self), row.required("counted_at", as: Double.self))
                available[try row.required("key", as: String.self)] = min(burst, tokens + max(0, seconds - countedAt) * refill)
            }
            let (tokens, result) = decide(available)
            let written = tokens.keys.sorted()
            guard !written.isEmpty else { return result }
            var update = PostgresQuery(unsafeSQL: """
                UPDATE \(table) AS b SET tokens = v.tokens, counted_at = $3
                FROM unnest($1::text[], $2::float8[]) AS v(key, tokens) WHERE b.\(column) = v.key
                """)
            update.binds.append(written)
            update.binds.append(written.map { tokens[$0]! })
            update.binds.append(seconds)
            try await connection.run(update, logger: logger)
            return result
        }
    }

    /// Puts `amounts` back into their buckets, never beyond `burst` (what was taken for work that did not happen).
    public func giveBack(_ amounts: [String: Double]) async throws {
        let keys = amounts.keys.sorted()
        guard !keys.isEmpty else { return }
        var query = PostgresQuery(unsafeSQL: """
            UPDATE \(table) AS b SET tokens = LEAST($3, b.tokens + v.amount)
            FROM unnest($1::text[], $2::float8[]) AS v(key, amount) WHERE b.\(keyColumn) = v.key
            """)
        query.binds.append(keys)
        query.binds.append(keys.map { amounts[$0]! })
        query.binds.append(burst)
        try await database.withConnection { [logger, query] connection in try await connection.run(query, logger: logger) }
    }

    /// Deletes the buckets not counted for as long as one takes to fill from empty: they are full, as
    /// good as new. Returns how many.
    public func forgetRefilled(at now: Date) async throws -> Int {
        var query = PostgresQuery(unsafeSQL: "WITH gone AS (DELETE FROM \(table) WHERE counted_at < $1 RETURNING 1) SELECT COUNT(*) AS n FROM gone")
        query.binds.append(now.timeIntervalSince1970 - burst / refillPerSecond)
        return try await database.withConnection { [logger, query] connection in
            try await connection.rows(query, logger: logger).first?.required("n", as: Int.self) ?? 0
        }
    }
}
