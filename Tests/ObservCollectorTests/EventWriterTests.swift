import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import ServiceKit
import ServiceLifecycle
import ServiceTestSupport
import Synchronization
import Testing

@testable import ObservCollector

/// A store that records its transactions and can hold them until released.
final class RecordingStore: EventStore {
    let transactions = Mutex<[Int]>([])
    private let gate = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((true, []))
    let delay: Duration
    let concurrentTransactions: Int

    init(delay: Duration = .zero, open: Bool = true, concurrentTransactions: Int = 1) {
        self.delay = delay
        self.concurrentTransactions = concurrentTransactions
        gate.withLock { $0.open = open }
    }

    func release() {
        let waiters = gate.withLock { gate in
            gate.open = true
            defer { gate.waiters = [] }
            return gate.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Transactions begun (held or not).
    let begun = Mutex(0)
    /// The event loop each transaction began on (none: off the loops).
    let loops = Mutex<[ObjectIdentifier?]>([])

    func insert(_ batches: [IngestBatch]) async throws -> [IngestReceipt?] {
        let events = batches.flatMap(\.events)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop.map(ObjectIdentifier.init)
        loops.withLock { $0.append(loop) }
        begun.withLock { $0 += 1 }
        await withCheckedContinuation { continuation in
            let open = gate.withLock { gate in
                if !gate.open { gate.waiters.append(continuation) }
                return gate.open
            }
            if open { continuation.resume() }
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        transactions.withLock { $0.append(events.count) }
        return batches.map { _ in nil }
    }

    var stored: Int { transactions.withLock { $0.reduce(0, +) } }

    func events(matching query: EventQuery, page: PageRequest) async throws -> [StoredEvent] { [] }
    func routeStatistics(tenantID: UUID, since: Date, limit: Int) async throws -> [RouteStatistics] { [] }
    func trace(_ traceID: String, tenantID: UUID, limit: Int) async throws -> [StoredEvent] { [] }
    func series(_ query: SeriesQuery) async throws -> [SeriesPoint] { [] }
    func deleteReceived(before date: Date, limit: Int) async throws -> Int { 0 }
    func deleteBatchKeys(receivedBefore date: Date) async throws -> Int { 0 }
    func deleteRollups(before date: Date) async throws -> Int { 0 }
    func count() async throws -> Int { stored }
}

/// Runs the writer as a service while `body` runs, then shuts it down gracefully.
func running(_ writer: EventWriter, logger: Logger, _ body: @Sendable () async throws -> Void) async throws {
    let group = ServiceGroup(configuration: .init(services: [writer], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await body()
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

@Suite struct EventWriterTests {
    let logger = Logger(label: "writer") { _ in SwiftLogNoOpLogHandler() }

    func events(_ count: Int) -> [StoredEvent] {
        (0..<count).map { _ in StoredEvent(type: .request, ts: Date(), receivedAt: Date(), service: "blog-service", method: "GET", path: "/", status: 200, durationMs: 1) }
    }

    func withWriter(_ writer: EventWriter, _ body: @Sendable () async throws -> Void) async throws {
        try await running(writer, logger: logger, body)
    }

    @Test func requestsArrivingTogetherShareACommit() async throws {
        let store = RecordingStore(delay: .milliseconds(20))
        let writer = EventWriter(store: store, capacity: 100_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        try await withWriter(writer) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 { group.addTask { try await writer.submit(events(10)) } }
                try await group.waitForAll()
            }
        }
        let transactions = store.transactions.withLock { $0 }
        #expect(store.stored == 500, "every submitted event committed before submit returned")
        #expect(transactions.count < 10, "50 requests in \(transactions.count) commits: \(transactions)")
    }

    @Test func aLoneRequestIsCommittedAtOnce() async throws {
        let store = RecordingStore()
        let writer = EventWriter(store: store, capacity: 100_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        try await withWriter(writer) {
            for _ in 0..<3 { try await writer.submit(events(1)) }
        }
        #expect(store.transactions.withLock { $0 } == [1, 1, 1])
    }

    /// A group takes at most half of what ingest admits at once, so that the other half is read while it commits.
    @Test func aGroupTakesBodiesUpToItsBytes() async throws {
        let store = RecordingStore(open: false)
        let writer = EventWriter(
            store: store, capacity: 100_000, maximumTransactionBytes: 100, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        @Sendable func batch(_ count: Int, bytes: Int) -> IngestBatch {
            var batch = IngestBatch(events(count))
            batch.bodySize = bytes
            return batch
        }
        try await withWriter(writer) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await writer.submit(batch(1, bytes: 60)) }  // taken alone, held in the store
                while store.begun.withLock({ $0 }) == 0 { await Task.yield() }
                group.addTask { _ = try await writer.submit(batch(2, bytes: 60)) }
                while writer.queuedEvents < 3 { await Task.yield() }
                group.addTask { _ = try await writer.submit(batch(3, bytes: 30)) }  // fits beside the second: 90 of 100
                while writer.queuedEvents < 6 { await Task.yield() }
                group.addTask { _ = try await writer.submit(batch(4, bytes: 20)) }  // does not: 110
                while writer.queuedEvents < 10 { await Task.yield() }
                store.release()
                try await group.waitForAll()
            }
        }
        #expect(store.transactions.withLock { $0 } == [1, 5, 4])
    }

    @Test func aFullQueueRefusesInsteadOfGrowing() async throws {
        let store = RecordingStore(open: false)
        let writer = EventWriter(store: store, capacity: 100, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        try await withWriter(writer) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.submit(events(60)) }  // taken by the writer, held in the store
                while store.begun.withLock({ $0 }) == 0 { await Task.yield() }
                group.addTask { try await writer.submit(events(40)) }  // fills the queue
                while writer.queuedEvents < 100 { await Task.yield() }
                await #expect(throws: EventWriter.Refusal.queueFull) { try await writer.submit(events(1)) }
                store.release()
                try await group.waitForAll()
            }
        }
        #expect(store.stored == 100)
    }

    /// A store that runs two transactions at once gets a second group while the first is being written.
    @Test func aStoreOfConcurrentTransactionsWritesTheNextGroupWhileOneCommits() async throws {
        let store = RecordingStore(open: false, concurrentTransactions: 2)
        let writer = EventWriter(store: store, capacity: 100_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        try await withWriter(writer) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.submit(events(1)) }  // taken by a writer, held in the store
                while store.begun.withLock({ $0 }) == 0 { await Task.yield() }
                group.addTask { try await writer.submit(events(2)) }
                // A bound on the wait, not a timing: with one transaction at a time the second never begins.
                for _ in 0..<2_000 where store.begun.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
                #expect(store.begun.withLock { $0 } == 2, "the second group waited for the first")
                #expect(store.stored == 0)
                store.release()
                try await group.waitForAll()
            }
        }
        #expect(store.transactions.withLock { $0.sorted() } == [1, 2])
    }

    /// The writers of a store that runs transactions at once each run on a loop of NIO's singleton group,
    /// a different one while the group has as many (otherwise they gathered on one: `EventWriter.homes`).
    @Test func writersOfAStoreOfConcurrentTransactionsEachRunOnALoopOfTheirOwn() async throws {
        let store = RecordingStore(open: false, concurrentTransactions: 2)
        let writer = EventWriter(store: store, capacity: 100_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        try await withWriter(writer) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.submit(events(1)) }
                while store.begun.withLock({ $0 }) == 0 { await Task.yield() }
                group.addTask { try await writer.submit(events(2)) }
                for _ in 0..<2_000 where store.begun.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
                store.release()
                try await group.waitForAll()
            }
        }
        let singletonLoops = Set(MultiThreadedEventLoopGroup.singleton.makeIterator().map(ObjectIdentifier.init))
        let loops = store.loops.withLock { $0 }
        #expect(loops.count == 2)
        #expect(loops.allSatisfy { $0.map(singletonLoops.contains) == true }, "a transaction began off the loops")
        #expect(Set(loops).count == min(2, singletonLoops.count), "both writers on one loop")
    }

    @Test(arguments: [1, 2])
    func gracefulShutdownCommitsWhatIsQueuedAndAnswersItsSubmitters(concurrentTransactions: Int) async throws {
        let store = RecordingStore(open: false, concurrentTransactions: concurrentTransactions)
        let writer = EventWriter(store: store, capacity: 100_000, metrics: CollectorMetrics(ServiceMetrics()), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [writer], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<5 { tasks.addTask { try await writer.submit(events(10)) } }
            while writer.queuedEvents < 50 { await Task.yield() }
            await group.triggerGracefulShutdown()
            store.release()
            try await tasks.waitForAll()  // every submit returned without error
        }
        #expect(store.stored == 50)
        await #expect(throws: EventWriter.Refusal.shuttingDown) { try await writer.submit(events(1)) }
    }

    /// A service that fails at start cancels the others (no graceful shutdown): a writer waiting for
    /// work must end then, or the process never exits. Found by `TakenPortTests` on a taken port.
    @Test(arguments: [1, 2])
    func anIdleWriterEndsWhenItsServiceIsCancelled(concurrentTransactions: Int) async throws {
        let writer = EventWriter(
            store: RecordingStore(concurrentTransactions: concurrentTransactions), capacity: 100_000, metrics: CollectorMetrics(ServiceMetrics()),
            logger: logger)
        let ended = Mutex(false)
        let run = Task {
            try? await writer.run()
            ended.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(50))  // so that it waits for work (it ends either way)
        run.cancel()
        // A bound on the wait, not a timing: a writer deaf to the cancellation fails here.
        for _ in 0..<2_000 where !ended.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        try #require(ended.withLock { $0 }, "the cancelled writer is still running")
        await #expect(throws: EventWriter.Refusal.shuttingDown) { try await writer.submit(events(1)) }
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        var configured = CollectorTestHarness.with { $0.admittedBytes = 64 << 20 }  // the queue's bound, not admission's
        configured.queueCapacity = 10_000
        let harness = configured
        let store = RecordingStore(open: false)
        try await harness.test(store: store) { client in
            // The capacity counts events from acceptance to commit: those being written and those waiting.
            let bodies = [6_000, 4_000, 1].map { count in json(["events": (0..<count).map { _ in requestEvent(tenant: harness.acme) }]) }
            @Sendable func ingest(_ index: Int) async throws -> TestResponse {
                try await client.send(.post, "/v1/events", token: CollectorTestHarness.blogKey, body: bodies[index])
            }
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                group.addTask { try await ingest(0).status }  // held in the store
                while store.begun.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                group.addTask { try await ingest(1).status }  // waits: the queue is now full
                while try await CollectorMetricsProbe.queued(client) < 10_000 { try await Task.sleep(for: .milliseconds(5)) }
                let refused = try await ingest(2)
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.headers[.retryAfter] == "1")
                #expect(refused.error?.code == .unavailable)
                store.release()
                for try await status in group { #expect(status == .accepted) }
            }
        }
        #expect(store.stored == 10_000)
    }
}

/// A batch the collector refuses (a full queue) gives its tenant's quota back: the sender's retry
/// must not find the quota spent by the refusal.
@Suite struct QuotaRefundTests {
    @Test func aRefusedBatchCostsNoQuota() async throws {
        var configured = CollectorTestHarness.with {
            $0.tenantEventRate = 1
            $0.tenantEventBurst = 2
        }
        configured.queueCapacity = 1
        let harness = configured
        let store = RecordingStore(open: false)
        try await harness.test(store: store) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                group.addTask { try await client.ingest([requestEvent(tenant: harness.acme)]).status }  // held in the store
                while store.begun.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                #expect(try await client.ingest([requestEvent(tenant: harness.acme)]).status == .serviceUnavailable)
                store.release()
                for try await status in group { #expect(status == .accepted) }
            }
            // One of the burst of two was used; the refused batch's is back.
            let retry = try await client.ingest([requestEvent(tenant: harness.acme)])
            let body = try JSONSerialization.jsonObject(with: Data(buffer: retry.body)) as? [String: Int]
            #expect(body == ["accepted": 1, "dropped": 0])
        }
    }
}

/// Reads the queue depth off `/metrics`.
enum CollectorMetricsProbe {
    static func queued(_ client: any TestClientProtocol) async throws -> Int {
        prometheusValue("collector_queue_depth_events", in: try await client.send(.get, "/metrics").text).map { Int($0) } ?? 0
    }
}
