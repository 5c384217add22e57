import DatabaseKit
import Foundation
import PostgresNIO

/// The tenants' ingest quota shared by every collector on one PostgreSQL: token buckets in
/// `tenant_ingest_buckets`, so that replicas never grant a tenant more than its one quota. A take is
/// one short transaction per group commit: the tenants' rows are made if missing, locked in tenant
/// order (two writers never deadlock), refilled for the time since they were counted, and charged.
struct PostgresIngestQuota: IngestQuota {
    let rate: Int
    let burst: Int
    let database: PostgreSQLDatabase
    let logger: Logger

    /// A tenant's row key: its id, or `none` for events without a tenant.
    static func key(_ tenant: UUID?) -> String { tenant?.lowercasedString ?? "none" }

    func take(_ wanted: [UUID?: Int], at now: Date) async throws -> [UUID?: Int] {
        let tenants = Dictionary(uniqueKeysWithValues: wanted.keys.map { (Self.key($0), $0) })
        let keys = tenants.keys.sorted()
        let (seconds, burst, rate) = (now.timeIntervalSince1970, Double(burst), Double(rate))
        return try await database.transaction { [logger] connection in
            try await connection.run(
                """
                INSERT INTO tenant_ingest_buckets (tenant, tokens, counted_at) SELECT unnest(\(keys)::text[]), \(burst), \(seconds)
                ON CONFLICT (tenant) DO NOTHING
                """,
                logger: logger)
            let rows = try await connection.rows(
                "SELECT tenant, tokens, counted_at FROM tenant_ingest_buckets WHERE tenant = ANY(\(keys)::text[]) ORDER BY tenant FOR UPDATE",
                logger: logger)
            var granted: [UUID?: Int] = wanted.mapValues { _ in 0 }
            var left: [String: Double] = [:]
            for row in rows {
                let key = try row.required("tenant", as: String.self)
                guard let tenant = tenants[key] else { continue }
                let (tokens, countedAt) = try (row.required("tokens", as: Double.self), row.required("counted_at", as: Double.self))
                let available = min(burst, tokens + max(0, seconds - countedAt) * rate)
                let grant = min(wanted[tenant] ?? 0, Int(max(0, available).rounded(.down)))
                granted[tenant] = grant
                left[key] = available - Double(grant)
            }
            let counted = keys.filter { left[$0] != nil }
            try await connection.run(
                """
                UPDATE tenant_ingest_buckets AS b SET tokens = v.tokens, counted_at = \(seconds)
                FROM unnest(\(counted)::text[], \(counted.map { left[$0]! })::float8[]) AS v(tenant, tokens) WHERE b.tenant = v.tenant
                """,
                logger: logger)
            return granted
        }
    }

    func giveBack(_ counts: [UUID?: Int], at now: Date) async throws {
        let given = counts.filter { $0.value > 0 }
        guard !given.isEmpty else { return }
        let keys = given.keys.map(Self.key)
        let amounts = given.values.map(Double.init)
        try await database.withConnection { [logger, burst] connection in
            try await connection.run(
                """
                UPDATE tenant_ingest_buckets AS b SET tokens = LEAST(\(Double(burst)), b.tokens + v.amount)
                FROM unnest(\(keys)::text[], \(amounts)::float8[]) AS v(tenant, amount) WHERE b.tenant = v.tenant
                """,
                logger: logger)
        }
    }

    /// Rows not counted for as long as a bucket takes to fill from empty.
    func forgetRefilled(at now: Date) async throws -> Int {
        let before = now.timeIntervalSince1970 - Double(burst) / Double(rate)
        return try await database.withConnection { [logger] connection in
            try await connection.rows(
                "WITH gone AS (DELETE FROM tenant_ingest_buckets WHERE counted_at < \(before) RETURNING 1) SELECT COUNT(*) AS n FROM gone",
                logger: logger
            ).first?.required("n", as: Int.self) ?? 0
        }
    }
}
