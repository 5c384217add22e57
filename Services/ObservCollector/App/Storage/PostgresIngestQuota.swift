import DatabaseKit
import Foundation
import PostgresNIO

/// The tenants' ingest quota shared by every collector on one PostgreSQL: token buckets in
/// `tenant_ingest_buckets` (`PostgresTokenBuckets`), so that replicas never grant a tenant more than
/// its one quota. A take is one short transaction per group commit.
struct PostgresIngestQuota: IngestQuota {
    let buckets: PostgresTokenBuckets<TenantIngestBuckets>

    init(rate: Int, burst: Int, database: PostgreSQLDatabase, logger: Logger) {
        buckets = PostgresTokenBuckets(burst: Double(burst), refillPerSecond: Double(rate), database: database, logger: logger)
    }

    /// A tenant's row key: its id, or `none` for events without a tenant.
    static func key(_ tenant: UUID?) -> String { tenant?.lowercasedString ?? "none" }

    func take(_ wanted: [UUID?: Int], at now: Date) async throws -> [UUID?: Int] {
        let tenants = Dictionary(uniqueKeysWithValues: wanted.keys.map { (Self.key($0), $0) })
        return try await buckets.update(tenants.keys, at: now) { available in
            var granted: [UUID?: Int] = wanted.mapValues { _ in 0 }
            var left: [String: Double] = [:]
            for (key, tokens) in available {
                guard let tenant = tenants[key] else { continue }
                let grant = min(wanted[tenant] ?? 0, Int(max(0, tokens).rounded(.down)))
                granted[tenant] = grant
                left[key] = tokens - Double(grant)
            }
            return (left, granted)
        }
    }

    func giveBack(_ counts: [UUID?: Int], at now: Date) async throws {
        try await buckets.giveBack(Dictionary(uniqueKeysWithValues: counts.filter { $0.value > 0 }.map { (Self.key($0.key), Double($0.value)) }))
    }

    func forgetRefilled(at now: Date) async throws -> Int {
        try await buckets.forgetRefilled(at: now)
    }
}

/// The collector's table of ingest buckets, one a tenant.
enum TenantIngestBuckets: TokenBucketTable {
    static let statements = TokenBucketStatements(table: "tenant_ingest_buckets", keyColumn: "tenant")
}
