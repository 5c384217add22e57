import DatabaseKit
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import ServiceTestSupport
import Testing

@testable import ObservCollector

/// The tenants' ingest quota as each database keeps it: in memory for SQLite, shared in PostgreSQL.
func withIngestQuota(_ kind: StoreKind, rate: Int, burst: Int, _ body: @escaping @Sendable ([any IngestQuota]) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        try await body([TenantIngestQuota(rate: rate, burst: burst)])
    case .postgres:
        try await TestPostgres.withDatabase(name: "collector", migrations: CollectorSchema.postgres) { database in
            // Two collectors on one database.
            let replicas = (0..<2).map { _ in PostgresIngestQuota(rate: rate, burst: burst, database: database, logger: Logger(label: "test")) }
            try await body(replicas)
        }
    }
}

@Suite struct SharedQuotaTests {
    static let now = EventStoreContractTests.now

    @Test(arguments: StoreKind.available)
    func aTenantGetsItsBurstThenItsRateAndGivenBackQuotaReturns(kind: StoreKind) async throws {
        try await withIngestQuota(kind, rate: 10, burst: 100) { quotas in
            let quota = quotas[0]
            let (acme, globex) = (UUID(), UUID())
            #expect(try await quota.take([acme: 70, globex: 5, nil: 1], at: Self.now) == [acme: 70, globex: 5, nil: 1])
            #expect(try await quota.take([acme: 70], at: Self.now) == [acme: 30])
            #expect(try await quota.take([acme: 70], at: Self.now.addingTimeInterval(2)) == [acme: 20], "10 a second")
            try await quota.giveBack([acme: 15], at: Self.now.addingTimeInterval(2))
            #expect(try await quota.take([acme: 70], at: Self.now.addingTimeInterval(2)) == [acme: 15])
            #expect(try await quota.take([globex: 100], at: Self.now.addingTimeInterval(2)) == [globex: 100], "refilled to the burst, never beyond")
        }
    }

    /// Two collectors taking one tenant's quota at once grant it once, not once each.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func replicasShareOneQuota(kind: StoreKind) async throws {
        try await withIngestQuota(kind, rate: 1, burst: 1_000) { replicas in
            let tenant = UUID()
            let granted = try await withThrowingTaskGroup(of: Int.self) { group in
                for take in 0..<20 {
                    group.addTask { try await replicas[take % 2].take([tenant: 100, nil: 1], at: Self.now)[tenant] ?? 0 }
                }
                return try await group.reduce(0, +)
            }
            #expect(granted == 1_000)
            #expect(try await replicas[1].forgetRefilled(at: Self.now.addingTimeInterval(999)) == 0, "not full yet")
            #expect(try await replicas[0].forgetRefilled(at: Self.now.addingTimeInterval(1_001)) == 2)
        }
    }
}

/// The writer takes a group's quota before writing and gives back what was not stored.
@Suite struct WriterQuotaTests {
    let logger = Logger(label: "writer") { _ in SwiftLogNoOpLogHandler() }
    /// The writer's clock stands still: no quota refills while a test runs, however slowly.
    static let now = EventStoreContractTests.now

    struct BrokenStore: EventStore {
        struct Broken: Error {}
        func insert(_ batches: [IngestBatch]) async throws -> [IngestReceipt?] { throw Broken() }
        func events(matching query: EventQuery, page: PageRequest) async throws -> [StoredEvent] { [] }
        func routeStatistics(tenantID: UUID, since: Date, limit: Int) async throws -> [RouteStatistics] { [] }
        func trace(_ traceID: String, tenantID: UUID, limit: Int) async throws -> [StoredEvent] { [] }
        func series(_ query: SeriesQuery) async throws -> [SeriesPoint] { [] }
        func deleteReceived(before date: Date, limit: Int) async throws -> Int { 0 }
        func deleteBatchKeys(receivedBefore date: Date) async throws -> Int { 0 }
        func deleteRollups(before date: Date) async throws -> Int { 0 }
        func count() async throws -> Int { 0 }
    }

    func withWriter(_ writer: EventWriter, _ body: @Sendable () async throws -> Void) async throws {
        try await running(writer, logger: logger, body)
    }

    func batch(_ key: String?, events count: Int, tenant: UUID) -> IngestBatch {
        BatchKeyStoreTests.batch(key, events: count, tenant: tenant, at: Date())
    }

    @Test func aFailedWriteGivesTheQuotaBack() async throws {
        let quota = TenantIngestQuota(rate: 1, burst: 5)
        let writer = EventWriter(store: BrokenStore(), quota: quota, capacity: 1_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger, now: { Self.now })
        let tenant = UUID()
        try await withWriter(writer) {
            await #expect(throws: BrokenStore.Broken.self) { try await writer.submit(batch(nil, events: 5, tenant: tenant)) }
        }
        #expect(quota.take([tenant: 5], at: Self.now) == [tenant: 5])
    }

    @Test func aRepeatedBatchCostsNoQuotaAndGetsTheFirstAnswer() async throws {
        let quota = TenantIngestQuota(rate: 1, burst: 5)
        try await withTemporaryFolder("writer-quota") { folder in
            let store = SQLiteEventStore(database: try openSQLiteDatabase(path: folder + "collector.sqlite"))
            let writer = EventWriter(store: store, quota: quota, capacity: 1_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger, now: { Self.now })
            let tenant = UUID()
            try await withWriter(writer) {
                let first = try await writer.submit(batch("k-1", events: 4, tenant: tenant))
                #expect(first.receipt == IngestReceipt(accepted: 4, dropped: 0) && !first.repeated)
                let again = try await writer.submit(batch("k-1", events: 4, tenant: tenant))
                #expect(again.repeated && again.receipt == first.receipt && again.stored.isEmpty)
                // One event of the burst of five is left: the repeat's quota came back.
                let next = try await writer.submit(batch("k-2", events: 3, tenant: tenant))
                #expect(next.receipt == IngestReceipt(accepted: 1, dropped: 2))
                #expect(next.dropped == [tenant: 2])
            }
            #expect(try await store.count() == 5)
        }
    }
}
