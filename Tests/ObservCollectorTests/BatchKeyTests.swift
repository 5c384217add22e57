import Foundation
import HTTPTypes
import ServiceKit
import ServiceTestSupport
import Testing

@testable import ObservCollector

/// `Idempotency-Key`: a batch is stored once, however often and wherever it is sent again within the window.
@Suite struct BatchKeyStoreTests {
    static let now = EventStoreContractTests.now

    static func batch(_ key: String?, sender: String = "blog-service", events count: Int, tenant: UUID, at receivedAt: Date = now) -> IngestBatch {
        let events = (0..<count).map { EventStoreContractTests.request(tenant: tenant, at: Int64($0)) }
        return IngestBatch(
            key: key.map { IngestBatchKey(sender: sender, key: $0) }, events: events,
            receipt: IngestReceipt(accepted: count, dropped: 1), receivedAt: receivedAt)
    }

    @Test(arguments: StoreKind.available)
    func aKeyedBatchIsStoredOnceAndItsRetryGetsTheFirstReceipt(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            #expect(try await store.insert([Self.batch("b-1", events: 3, tenant: tenant)]) == [nil])
            // The retry carries other events (a sender that rebuilt its batch): still nothing stored.
            let again = try await store.insert([Self.batch("b-1", events: 5, tenant: tenant, at: Self.now.addingTimeInterval(3_600))])
            #expect(again == [IngestReceipt(accepted: 3, dropped: 1)])
            #expect(try await store.count() == 3)
        }
    }

    @Test(arguments: StoreKind.available)
    func aKeyRepeatedInOneCommitIsStoredOnceAndOthersAreUntouched(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let receipts = try await store.insert([
                Self.batch("b-1", events: 2, tenant: tenant), Self.batch(nil, events: 4, tenant: tenant),
                Self.batch("b-1", events: 7, tenant: tenant), Self.batch("b-1", sender: "auth-service", events: 1, tenant: tenant),
            ])
            #expect(receipts == [nil, nil, IngestReceipt(accepted: 2, dropped: 1), nil])
            #expect(try await store.count() == 2 + 4 + 1, "the other sender's b-1 is its own key")
        }
    }

    @Test(arguments: StoreKind.available)
    func aKeyOlderThanTheWindowIsForgottenAndRetentionDeletesIt(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            _ = try await store.insert([Self.batch("b-1", events: 1, tenant: tenant), Self.batch("b-2", events: 1, tenant: tenant)])
            let dayLater = Self.now.addingTimeInterval(IngestBatchKey.window + 1)
            #expect(try await store.insert([Self.batch("b-1", events: 2, tenant: tenant, at: dayLater)]) == [nil])
            #expect(try await store.count() == 4)
            // b-2 is past the window; b-1 was recorded again a day later and stays.
            #expect(try await store.deleteBatchKeys(receivedBefore: dayLater.addingTimeInterval(-IngestBatchKey.window)) == 1)
            #expect(try await store.insert([Self.batch("b-1", events: 1, tenant: tenant, at: dayLater)]) == [IngestReceipt(accepted: 2, dropped: 1)])
            #expect(try await store.insert([Self.batch("b-2", events: 1, tenant: tenant, at: dayLater)]) == [nil])
        }
    }

    /// Six writers (on PostgreSQL, six connections: what replicas are) commit the same keyed batches at
    /// once, in different orders: each is stored exactly once.
    @Test(arguments: StoreKind.available)
    func writersRacingWithTheSameKeysStoreEachBatchOnce(kind: StoreKind) async throws {
        try await withEventStore(kind) { store in
            let tenant = UUID()
            let keys = (0..<20).map { "batch-\($0)" }
            let stored = try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        var stored = 0
                        for chunk in (writer % 2 == 0 ? keys : keys.reversed()).chunks(of: 5) {
                            let receipts = try await store.insert(chunk.map { Self.batch($0, events: 10, tenant: tenant) })
                            stored += receipts.filter { $0 == nil }.count
                        }
                        return stored
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(stored == keys.count, "each key stored by exactly one writer")
            #expect(try await store.count() == keys.count * 10)
        }
    }
}

extension Array {
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// Through HTTP: the header's checks and the answer a retry gets.
@Suite struct BatchKeyIngestTests {
    @Test func aRetriedBatchIsAnsweredAgainAndStoredOnce() async throws {
        let harness = CollectorTestHarness()
        try await harness.test { client in
            let body = json(["events": (0..<3).map { _ in requestEvent(tenant: harness.acme) }])
            let headers: HTTPFields = [.idempotencyKey: "0192f1d2-5a1b-7c3d-8e4f-000000000001"]
            let first = try await client.send(.post, "/v1/events", token: CollectorTestHarness.blogKey, body: body, headers: headers)
            let second = try await client.send(.post, "/v1/events", token: CollectorTestHarness.blogKey, body: body, headers: headers)
            #expect(first.status == .accepted)
            #expect(second.status == .accepted)
            #expect(try second.decode(IngestReceipt.self) == IngestReceipt(accepted: 3, dropped: 0), "\(second.text)")
            // Another sender's batch under the same key is its own.
            let authBody = json(["events": (0..<3).map { _ in requestEvent(tenant: harness.acme, service: "auth-service") }])
            let other = try await client.send(.post, "/v1/events", token: CollectorTestHarness.authKey, body: authBody, headers: headers)
            #expect(other.status == .accepted, "\(other.text)")
            #expect(try await harness.openStore().count() == 6)
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.text.contains(#"collector_events_repeated_total{service="blog-service"} 3"#), "\(metrics.text)")
        }
    }

    @Test(arguments: ["", String(repeating: "k", count: 129), "two words", "tab\there", "ü-key"])
    func aKeyThatIsNotASaneTokenIsRefused(key: String) async throws {
        let harness = CollectorTestHarness()
        try await harness.test { client in
            let body = json(["events": [requestEvent(tenant: harness.acme)]])
            let response = try await client.send(.post, "/v1/events", token: CollectorTestHarness.blogKey, body: body, headers: [.idempotencyKey: key])
            #expect(response.status == .badRequest)
            #expect(response.text.contains("Idempotency-Key"))
            #expect(try await harness.openStore().count() == 0)
        }
    }
}
