import DequeModule
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Group commit: every accepted batch joins one queue, and the writers drain it into large
/// transactions (one writer, or as many as the store runs at once: `EventStore.concurrentTransactions`).
/// `submit` returns only once the transaction holding its events has committed, so a 202 means stored.
/// Batches that arrive while a commit runs share the next one; a lone batch is written at once, never
/// held back to wait for company. The tenants' quota (`IngestQuota`) is taken
/// for a whole group just before it is written, and given back for what was not stored.
///
/// The queue is bounded: `capacity` counts events from acceptance to commit (waiting or being written),
/// and a batch that does not fit is refused with `queueFull`
/// instead of memory growing without end. On graceful shutdown the writers commit everything queued,
/// answer those submitters, then stop; batches submitted after that are refused.
final class EventWriter: Service, Sendable {
    enum Refusal: Error, Equatable {
        /// The queue holds too many events; retry after a moment.
        case queueFull
        /// The writer is stopping.
        case shuttingDown
    }

    private struct Pending {
        let batch: IngestBatch
        let continuation: CheckedContinuation<Committed, any Error>
    }

    /// What became of a submitted batch.
    struct Committed: Sendable {
        /// The answer: the events stored and those dropped over their tenant's quota, or for a batch
        /// whose key was committed before, that commit's answer.
        let receipt: IngestReceipt
        /// The events stored now (none for a repeated batch).
        let stored: [StoredEvent]
        /// Events dropped over their tenant's quota, by tenant.
        let dropped: [UUID?: Int]
        /// Whether the batch's key had been committed before (nothing stored now).
        let repeated: Bool
    }

    private struct State {
        var queue = Deque<Pending>()
        var queuedEvents = 0
        /// Writers waiting for a batch, in the order they began to wait.
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var stopping = false
        var stopped = false

        /// Every waiting writer, to be woken (a shutdown, a cancellation).
        mutating func takeIdleWriters() -> [CheckedContinuation<Void, Never>] {
            defer { idleWriters = [] }
            return idleWriters
        }
    }

    private let store: any EventStore
    let capacity: Int
    /// Most events one transaction takes (whole batches; a single larger batch still goes alone).
    let maximumTransactionSize: Int
    /// Most body bytes one transaction takes (whole batches; a single larger batch still goes alone):
    /// half of what ingest admits at once, so that the other half is read while a group commits.
    let maximumTransactionBytes: Int
    private let quota: (any IngestQuota)?
    private let metrics: CollectorMetrics
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    init(
        store: any EventStore, quota: (any IngestQuota)? = nil, capacity: Int, maximumTransactionSize: Int = 50_000,
        maximumTransactionBytes: Int = .max, metrics: CollectorMetrics, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.quota = quota
        self.now = now
        self.capacity = capacity
        metrics.queueCapacity(capacity)
        self.maximumTransactionSize = maximumTransactionSize
        self.maximumTransactionBytes = maximumTransactionBytes
        self.metrics = metrics
        self.logger = logger
        executor = store.writerPrefersAThreadOfItsOwn ? SerialQueueTaskExecutor(label: "event-writer") : nil
        homes = store.writerPrefersAThreadOfItsOwn ? [] : EventLoopTaskExecutor.forEachSingletonLoop()
    }

    /// Events waiting for a commit.
    var queuedEvents: Int { state.withLock { $0.queuedEvents } }

    /// Queues the events as a batch without a key and returns once they are committed.
    func submit(_ events: [StoredEvent]) async throws {
        _ = try await submit(IngestBatch(events))
    }

    /// Queues the batch and returns once it is committed (or found committed before, by its key).
    /// Throws `Refusal`, or the store's or the quota's error (nothing of the batch stored, its quota given back).
    func submit(_ batch: IngestBatch) async throws -> Committed {
        let events = batch.events
        guard !events.isEmpty else { return Committed(receipt: IngestReceipt(accepted: 0, dropped: 0), stored: [], dropped: [:], repeated: false) }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Committed, any Error>) in
            let outcome: Result<CheckedContinuation<Void, Never>?, Refusal> = state.withLock { state in
                if state.stopped { return .failure(.shuttingDown) }
                // A batch larger than the whole capacity is let in alone, so that no valid request can never fit.
                if state.queuedEvents > 0, state.queuedEvents + events.count > capacity { return .failure(.queueFull) }
                state.queue.append(Pending(batch: batch, continuation: continuation))
                state.queuedEvents += events.count
                return .success(state.idleWriters.isEmpty ? nil : state.idleWriters.removeFirst())
            }
            switch outcome {
            case .success(let wakeUp):
                metrics.queueDepth.set(Double(queuedEvents))
                wakeUp?.resume()
            case .failure(let refusal):
                continuation.resume(throwing: refusal)
            }
        }
    }

    /// Where the writer's task runs, when its store prefers (`EventStore.writerPrefersAThreadOfItsOwn`):
    /// off the event loops, so that it takes the next group as soon as a commit ends instead of after a
    /// loop's parsing of a body. On SQLite, ingest of 100 events a request +10 % (median of 8 pairs of
    /// `Benchmarks/compare.sh collector-ingest-100`, CPU an event −3 to −12 %); of 1,000, whose commits
    /// are ten times fewer, +1 %, within the machine's spread. Not on PostgreSQL, where each of
    /// postgres-nio's answers comes on a loop and would be handed over to this thread: ingest of 100
    /// events measured −12 % with it (median of 6 pairs) but also −7 % with the same code as the base
    /// (3 pairs): no gain shown there, and PostgreSQL's pairs spread by ±20 %.
    private let executor: SerialQueueTaskExecutor?
    /// Otherwise each writer runs on an event loop of its own, the writers taking the loops in turn: a
    /// writer goes on where the database's answer resumed it, and a statement takes a connection on its
    /// caller's loop (`EventLoopPools`), so that without a home both writers ended on one loop, with the
    /// requests they let in and answered (`WakingLoop`). On PostgreSQL, ingest of 1,000 events a request
    /// +55, +40, +36 % with the admitted requests woken on their own loops (median +40 %, the collector's
    /// CPU an event −18 % and PostgreSQL's −24 %); the homes alone +16 and +17 %
    /// (`COMPARE_DATABASE=postgres compare.sh collector-ingest-1000`).
    private let homes: [EventLoopTaskExecutor]

    func run() async throws {
        if let executor {
            await withTaskExecutorPreference(executor) { await writeUntilStopped() }
        } else {
            await writeUntilStopped()
        }
    }

    private func writeUntilStopped() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { writers in
                for writer in 0..<max(1, store.concurrentTransactions) {
                    let home = homes.isEmpty ? nil : homes[writer % homes.count]
                    writers.addTask {
                        await withTaskExecutorPreference(home) {
                            while let group = await self.nextGroup() {
                                await self.commit(group)
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { state in
                state.stopping = true
                return state.takeIdleWriters()
            }.forEach { $0.resume() }
        }
    }

    /// The batches of the next transaction; nil once stopping with nothing left.
    private func nextGroup() async -> [Pending]? {
        while true {
            enum Next {
                case group([Pending])
                case finished
                case wait
            }
            let next: Next = state.withLock { state in
                if !state.queue.isEmpty {
                    var group: [Pending] = []
                    var size = 0
                    var bytes = 0
                    while let first = state.queue.first,
                        group.isEmpty
                            || (size + first.batch.events.count <= maximumTransactionSize && bytes + first.batch.bodySize <= maximumTransactionBytes)
                    {
                        group.append(state.queue.removeFirst())
                        size += first.batch.events.count
                        bytes += first.batch.bodySize
                    }
                    return .group(group)
                }
                if state.stopping || Task.isCancelled {
                    state.stopped = true
                    return .finished
                }
                return .wait
            }
            switch next {
            case .group(let group): return group
            case .finished: return nil
            case .wait:
                // Woken by a submission, a graceful shutdown, or a cancellation (the application failing
                // to start cancels its services: a writer deaf to it kept the process alive for ever).
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (wakeUp: CheckedContinuation<Void, Never>) in
                        let resumeNow = state.withLock { state in
                            if !state.queue.isEmpty || state.stopping || Task.isCancelled { return true }
                            state.idleWriters.append(wakeUp)
                            return false
                        }
                        if resumeNow { wakeUp.resume() }
                    }
                } onCancel: {
                    state.withLock { $0.takeIdleWriters() }.forEach { $0.resume() }
                }
            }
        }
    }

    private func commit(_ group: [Pending]) async {
        let events = group.reduce(0) { $0 + $1.batch.events.count }
        let start = ContinuousClock.now
        let result: Result<[Committed], any Error>
        do {
            result = .success(try await write(group.map(\.batch)))
        } catch {
            logger.error("Cannot store a batch of events", metadata: ["events": "\(events)", "error": "\(error)"])
            result = .failure(error)
        }
        state.withLock { $0.queuedEvents -= events }
        metrics.recordCommit(events: events, requests: group.count, duration: ContinuousClock.now - start, queued: queuedEvents)
        for (index, pending) in group.enumerated() {
            pending.continuation.resume(with: result.map { $0[index] })
        }
    }

    /// Takes the group's quota, writes what it grants in one transaction, and gives back the quota of
    /// what was not stored (all of it when the write fails; a repeated batch's share when it succeeds).
    private func write(_ batches: [IngestBatch]) async throws -> [Committed] {
        let now = now()
        var admitted = batches
        var dropped = batches.map { _ in [UUID?: Int]() }
        // A group holds up to `maximumTransactionSize` events: they are counted in place, never copied
        // into one flat array, and only when a tenant was granted less than it asked are they filtered.
        if let quota {
            let asked = batches.countsByTenant
            var left = try await quota.take(asked, at: now)
            let shortOfQuota = asked.contains { tenant, count in left[tenant, default: 0] < count }
            for index in batches.indices where shortOfQuota {
                let batch = batches[index]
                let counts = batch.events.countsByTenant
                if counts.allSatisfy({ tenant, count in count <= left[tenant, default: 0] }) {
                    for (tenant, count) in counts { left[tenant, default: 0] -= count }
                    continue
                }
                admitted[index].events = batch.events.filter { event in
                    guard left[event.tenantID, default: 0] > 0 else {
                        dropped[index][event.tenantID, default: 0] += 1
                        return false
                    }
                    left[event.tenantID, default: 0] -= 1
                    return true
                }
            }
        }
        for index in admitted.indices {
            admitted[index].receipt = IngestReceipt(accepted: admitted[index].events.count, dropped: batches[index].events.count - admitted[index].events.count)
        }
        let repeated: [IngestReceipt?]
        do {
            repeated = try await store.insert(admitted)
        } catch {
            try? await quota?.giveBack(admitted.countsByTenant, at: now)
            throw error
        }
        let unstored = admitted.indices.filter { repeated[$0] != nil }.map { admitted[$0] }.countsByTenant
        if !unstored.isEmpty { try? await quota?.giveBack(unstored, at: now) }
        return admitted.indices.map { index in
            if let receipt = repeated[index] {
                return Committed(receipt: receipt, stored: [], dropped: [:], repeated: true)
            }
            return Committed(receipt: admitted[index].receipt, stored: admitted[index].events, dropped: dropped[index], repeated: false)
        }
    }
}
