import Foundation
import Logging
import PostgresNIO

/// A table of token buckets, its statements made once from its name and key column (fixed in code,
/// never taken from input). The table has the text key, `tokens`, and `counted_at` (seconds since the
/// epoch when the tokens were counted).
public protocol TokenBucketTable: SendableMetatype {
    static var statements: TokenBucketStatements { get }
}

/// The statements of a table of token buckets, made once a table (a `static let` of its type):
/// postgres-nio reads a prepared statement's text on every execution, and the buckets' statements are
/// generic over their table, so their text would otherwise be put together again each time.
public struct TokenBucketStatements: Sendable {
    /// The rows of keys `$1` that are missing, made with `$2` tokens counted at `$3`.
    let make: String
    /// The rows of keys `$1`, locked in key order.
    let lock: String
    /// Keys `$1` hold tokens `$2`, counted at `$3`.
    let write: String
    /// Keys `$1` get `$2` tokens back, never beyond `$3`.
    let giveBack: String
    /// Deletes the buckets counted before `$1`; their count as `n`.
    let forgetRefilled: String

    public init(table: StaticString, keyColumn: StaticString) {
        let (table, key) = ("\(table)", "\(keyColumn)")
        make = """
            INSERT INTO \(table) (\(key), tokens, counted_at) SELECT unnest($1::text[]), $2, $3
            ON CONFLICT (\(key)) DO NOTHING
            """
        lock = """
            SELECT \(key) AS key, tokens, counted_at FROM \(table) WHERE \(key) = ANY($1::text[])
            ORDER BY \(key) FOR UPDATE
            """
        write = """
            UPDATE \(table) AS b SET tokens = v.tokens, counted_at = $3
            FROM unnest($1::text[], $2::float8[]) AS v(key, tokens) WHERE b.\(key) = v.key
            """
        giveBack = """
            UPDATE \(table) AS b SET tokens = LEAST($3, b.tokens + v.amount)
            FROM unnest($1::text[], $2::float8[]) AS v(key, amount) WHERE b.\(key) = v.key
            """
        forgetRefilled = "WITH gone AS (DELETE FROM \(table) WHERE counted_at < $1 RETURNING 1) SELECT COUNT(*) AS n FROM gone"
    }
}

/// Token buckets in a PostgreSQL table, shared by every process on the database: each replica sees the
/// tokens the others took. A bucket holds up to `burst` tokens and refills at `refillPerSecond`.
///
/// A change is one short transaction: the keys' rows are made (full) if missing, locked in key order
/// (two processes sharing keys wait for each other, never deadlock), refilled for the time since they
/// were counted, and written back as the caller decides. Its statements are prepared (`Prepared`).
/// Making and locking the rows in one upsert (`ON CONFLICT DO UPDATE` of nothing, returning them) took
/// a round trip less, but wrote each row twice a change: the collector's ingest of 100 events a request
/// on PostgreSQL, whose every group takes its tenant's quota, fell 10 % (median of seven pairs).
public struct PostgresTokenBuckets<Table: TokenBucketTable>: Sendable {
    public let burst: Double
    public let refillPerSecond: Double
    let database: PostgreSQLDatabase
    let logger: Logger

    public init(burst: Double, refillPerSecond: Double, database: PostgreSQLDatabase, logger: Logger) {
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
        let (burst, refill) = (burst, refillPerSecond)
        return try await database.transaction { [logger] connection in
            let make = Prepared<MakeBuckets<Table>> { $0.append(keys); $0.append(burst); $0.append(seconds) }
            try await connection.run(make, logger: logger)
            var available: [String: Double] = [:]
            for row in try await connection.rows(Prepared<LockBuckets<Table>> { $0.append(keys) }, logger: logger) {
                let (tokens, countedAt) = try (row.required("tokens", as: Double.self), row.required("counted_at", as: Double.self))
                available[try row.required("key", as: String.self)] = min(burst, tokens + max(0, seconds - countedAt) * refill)
            }
            let (tokens, result) = decide(available)
            let written = tokens.keys.sorted()
            guard !written.isEmpty else { return result }
            let write = Prepared<WriteBuckets<Table>> { $0.append(written); $0.append(written.map { tokens[$0]! }); $0.append(seconds) }
            try await connection.run(write, logger: logger)
            return result
        }
    }

    /// Puts `amounts` back into their buckets, never beyond `burst` (what was taken for work that did not happen).
    public func giveBack(_ amounts: [String: Double]) async throws {
        let keys = amounts.keys.sorted()
        guard !keys.isEmpty else { return }
        let statement = Prepared<GiveBack<Table>> { $0.append(keys); $0.append(keys.map { amounts[$0]! }); $0.append(burst) }
        try await PostgresAccess.pool(database).run(statement, logger: logger)
    }

    /// Deletes the buckets not counted for as long as one takes to fill from empty: they are full, as
    /// good as new. Returns how many.
    public func forgetRefilled(at now: Date) async throws -> Int {
        let statement = Prepared<ForgetRefilled<Table>> { $0.append(now.timeIntervalSince1970 - burst / refillPerSecond) }
        return try await PostgresAccess.pool(database).rows(statement, logger: logger).first?.required("n", as: Int.self) ?? 0
    }
}

enum MakeBuckets<Table: TokenBucketTable>: FixedPostgresStatement {
    static var sql: String { Table.statements.make }
}

enum LockBuckets<Table: TokenBucketTable>: FixedPostgresStatement {
    static var sql: String { Table.statements.lock }
}

enum WriteBuckets<Table: TokenBucketTable>: FixedPostgresStatement {
    static var sql: String { Table.statements.write }
}

enum GiveBack<Table: TokenBucketTable>: FixedPostgresStatement {
    static var sql: String { Table.statements.giveBack }
}

enum ForgetRefilled<Table: TokenBucketTable>: FixedPostgresStatement {
    static var sql: String { Table.statements.forgetRefilled }
}
