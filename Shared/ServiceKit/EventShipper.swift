import AsyncHTTPClient
import DequeModule
import Foundation
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Sends a service's events to the collector without ever holding up a request.
///
/// - `enqueue` only appends to a bounded in-memory buffer; it never waits and never fails.
/// - When the buffer is full, **new events are dropped** (what is buffered is older and already
///   waiting): each is counted in `event_shipper_events_dropped_total{reason="buffer_full"}`, and a
///   warning is logged at most every 10 s.
/// - A background loop posts batches (`batchSize`, or whatever is there after `flushInterval`) to
///   `/v1/events` over the shared pooled HTTP client: full batches while there are enough, then the
///   rest in one; what arrives meanwhile waits for the next interval, not for a post of its own. Network errors, 429 and 5xx are retried with
///   exponential backoff and jitter, never sooner than `Retry-After` (believed up to 5 minutes);
///   events stay buffered meanwhile. A retry sends the same events under the same `Idempotency-Key`
///   (a version 7 UUID per batch): when the first try was committed after all (an answer lost to a
///   timeout or a dropped connection), the collector answers again without storing them twice. Other refusals (400, 401, 413) cannot succeed later: the batch is
///   dropped and counted, except that a 400 naming events (`details` fields `events[i]…`) drops only
///   those (`reason="invalid"`) and the rest is sent again at once.
/// - Events are clamped to the collector's limits as they are buffered (`ObservedEvent.clamped()`),
///   so one odd request (a path of 10,000 characters, a user agent with control characters) never
///   costs its neighbours their delivery.
/// - On graceful shutdown everything buffered is flushed, for at most `shutdownTimeout`.
public final class EventShipper: Service, Sendable {
    public struct Settings: Sendable {
        /// `COLLECTOR_URL`, e.g. `http://127.0.0.1:8083`.
        public var collectorURL: URL
        /// `COLLECTOR_INGEST_KEY` (shown as `<secret>`).
        public var ingestKey: Secret
        /// Events held at most.
        public var capacity: Int = 10_000
        public var batchSize: Int = 500
        public var flushInterval: Duration = .milliseconds(250)
        public var initialBackoff: Duration = .milliseconds(250)
        public var maximumBackoff: Duration = .seconds(30)
        public var requestTimeout: Duration = .seconds(5)
        public var shutdownTimeout: Duration = .seconds(5)

        public init(collectorURL: URL, ingestKey: String) {
            self.collectorURL = collectorURL
            self.ingestKey = Secret(ingestKey)
        }
    }

    private struct State {
        var buffer = Deque<ObservedEvent>()
        /// The batch being sent (the first `count` events of the buffer) and its key, kept until the
        /// collector has answered for it for good, so that every try sends the same batch.
        var sending: (count: Int, key: String)?
        var droppedSinceWarning = 0
        var lastWarning: ContinuousClock.Instant?
    }

    /// About what a request event takes in a body (a list request of the blog with its trace, user agent
    /// and client address: 442 bytes): the body's first allocation, so that a batch is seldom copied as
    /// it grows.
    static let typicalEventBytes = 448

    /// A batch's body, `{"events": [...]}`, written member by member (`ContractJSONWritable`): paid for
    /// every request a service answers.
    static func body(of events: [ObservedEvent]) -> [UInt8] {
        var json = ContractJSONOutput(capacity: Self.typicalEventBytes * events.count + 16)
        json.beginObject()
        json.field("events", events)
        json.endObject()
        return json.bytes
    }

    /// How a post went.
    enum Outcome: Equatable {
        case delivered
        /// Worth trying again, not before the given delay when the collector said so.
        case retry(after: Duration?)
        /// Will never be accepted.
        case refused(status: UInt)
        /// Refused for the events at these positions of the batch (a 400 naming them); the rest may go.
        case invalid(indices: Set<Int>)
    }

    public let settings: Settings
    private let httpClient: HTTPClient
    private let logger: Logger
    private let state = Mutex(State())
    private let sent: Counter
    private let droppedFull: Counter
    private let droppedRefused: Counter
    private let droppedInvalid: Counter
    private let failures: Counter
    private let buffered: Gauge

    public init(settings: Settings, metrics: ServiceMetrics, httpClient: HTTPClient = .shared, logger: Logger) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
        let registry = metrics.registry
        sent = registry.makeCounter(descriptor: .named("event_shipper_events_sent_total"), labels: [])
        droppedFull = registry.makeCounter(descriptor: .named("event_shipper_events_dropped_total"), labels: [("reason", "buffer_full")])
        droppedRefused = registry.makeCounter(descriptor: .named("event_shipper_events_dropped_total"), labels: [("reason", "refused")])
        droppedInvalid = registry.makeCounter(descriptor: .named("event_shipper_events_dropped_total"), labels: [("reason", "invalid")])
        failures = registry.makeCounter(descriptor: .named("event_shipper_send_failures_total"), labels: [])
        buffered = registry.makeGauge(descriptor: .named("event_shipper_buffered_events"), labels: [])
    }

    /// Sends `events` once, now, beside the buffer: for a command that exits right after (the auth
    /// service's `rotate-signing-key`). Whether the collector took them.
    public func deliverNow(_ events: [ObservedEvent]) async -> Bool {
        await post(events.map { $0.clamped() }, key: UUID.version7().lowercasedString) == .delivered
    }

    /// Events waiting to be sent.
    public var bufferedCount: Int { state.withLock { $0.buffer.count } }

    /// Buffers an event for sending; drops it (counted) when the buffer is full. Never waits.
    public func enqueue(_ event: ObservedEvent) {
        let event = event.clamped()  // outside the lock, which every request takes
        let now = ContinuousClock.now
        let (accepted, warnDropped, count) = state.withLock { state -> (Bool, Int?, Int) in
            guard state.buffer.count < settings.capacity else {
                state.droppedSinceWarning += 1
                if state.lastWarning.map({ now - $0 >= .seconds(10) }) ?? true {
                    state.lastWarning = now
                    defer { state.droppedSinceWarning = 0 }
                    return (false, state.droppedSinceWarning, state.buffer.count)
                }
                return (false, nil, state.buffer.count)
            }
            state.buffer.append(event)
            return (true, nil, state.buffer.count)
        }
        buffered.set(Double(count))
        if !accepted { droppedFull.increment() }
        if let warnDropped {
            logger.warning("The event buffer is full; dropping new events", metadata: [
                "dropped": "\(warnDropped)", "capacity": "\(settings.capacity)", "collector": "\(settings.collectorURL)",
            ])
        }
    }

    public func run() async throws {
        var backoff = settings.initialBackoff
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if bufferedCount < settings.batchSize {
                do { try await sleepUnlessShuttingDown(for: settings.flushInterval) } catch { break }
            }
            // A shutdown abandons a post in flight (a dead collector would hold it for the whole
            // request timeout); `flushOnShutdown` then gets its own bounded time.
            let outcome = await cancelWhenGracefulShutdown { await self.sendBuffered() }
            if Task.isShuttingDownGracefully { break }
            if let wait = outcome {
                let delay = max(wait ?? .zero, Self.jittered(backoff))
                backoff = min(backoff * 2, settings.maximumBackoff)
                do { try await sleepUnlessShuttingDown(for: delay) } catch { break }
            } else {
                backoff = settings.initialBackoff
            }
        }
        await flushOnShutdown()
    }

    /// Sends what is buffered now: full batches, then one with the rest; with `untilEmpty`, everything
    /// that arrives meanwhile too (at shutdown). Nil when it all went (or was refused for good); else the
    /// collector could not take it and the caller backs off (at least the returned `Retry-After`).
    ///
    /// Without `untilEmpty` the last batch is the one smaller than `batchSize`. Sending until the buffer
    /// was empty made a busy service post a few dozen events at a time back to back (each post's round
    /// trip let that many in): the blog's list at 7,000 requests a second sent batches of 46, and the
    /// collector spent 40 µs an event on them against 10 µs in large batches.
    func sendBuffered(untilEmpty: Bool = false) async -> Duration?? {
        while true {
            let (batch, key) = state.withLock { state -> ([ObservedEvent], String) in
                let sending = state.sending ?? (min(settings.batchSize, state.buffer.count), UUID.version7().lowercasedString)
                if sending.count > 0 { state.sending = sending }
                return (Array(state.buffer.prefix(sending.count)), sending.key)
            }
            guard !batch.isEmpty else { return nil }
            switch await post(batch, key: key) {
            case .delivered:
                remove(batch.count)
                sent.increment(by: Int64(batch.count))
            case .invalid(let indices):
                setAside(indices, of: batch.count)
                droppedInvalid.increment(by: Int64(indices.count))
                logger.error("The collector refused some events of a batch; they are dropped, the rest is sent again", metadata: [
                    "events": "\(indices.count)", "batch": "\(batch.count)",
                ])
                continue  // the rest is sent again at once, whatever its size
            case .refused(let status):
                remove(batch.count)
                droppedRefused.increment(by: Int64(batch.count))
                logger.error("The collector refused a batch of events; dropped", metadata: ["status": "\(status)", "events": "\(batch.count)"])
            case .retry(let after):
                failures.increment()
                return .some(after)
            }
            // The rest went (or was refused for good): what came meanwhile waits for the next interval.
            if !untilEmpty, batch.count < settings.batchSize { return nil }
        }
    }

    /// Removes the batch that was sent (delivered, or refused for good).
    private func remove(_ count: Int) {
        let left = state.withLock { state in
            state.sending = nil
            state.buffer.removeFirst(min(count, state.buffer.count))
            return state.buffer.count
        }
        buffered.set(Double(left))
    }

    /// Drops the events at `indices` of the first `count` buffered, keeping the others first in line.
    private func setAside(_ indices: Set<Int>, of count: Int) {
        let left = state.withLock { state in
            state.sending = nil  // nothing of it was stored: the rest goes as a new batch
            let batch = state.buffer.prefix(count)
            let kept = batch.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
            state.buffer.removeFirst(min(count, state.buffer.count))
            state.buffer.prepend(contentsOf: kept)
            return state.buffer.count
        }
        buffered.set(Double(left))
    }

    /// On shutdown: keep sending (with short pauses) until the buffer is empty or time is up.
    private func flushOnShutdown() async {
        guard bufferedCount > 0 else { return }
        let deadline = ContinuousClock.now + settings.shutdownTimeout
        let flushed: Bool = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    guard await self.sendBuffered(untilEmpty: true) != nil else { return true }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !flushed {
            logger.warning("Events left unsent at shutdown", metadata: ["events": "\(bufferedCount)", "collector": "\(settings.collectorURL)"])
        }
    }

    func post(_ events: [ObservedEvent], key: String) async -> Outcome {
        var request = HTTPClientRequest(url: settings.collectorURL.appendingPathComponent("v1/events").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: key)
        request.headers.add(name: "Authorization", value: "Bearer \(settings.ingestKey.value)")
        do {
            request.body = .bytes(ByteBuffer(bytes: Self.body(of: events)))
            let response = try await httpClient.execute(request, timeout: .init(settings.requestTimeout))
            let body = try? await response.body.collect(upTo: 1024 * 1024)
            switch response.status.code {
            case 200..<300:
                return .delivered
            case 429, 500..<600:
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds(min(max($0, 0), 300)) }
                return .retry(after: retryAfter)
            case 400:
                let indices = body.map { Self.invalidEventIndices(in: Data(buffer: $0), batchSize: events.count) } ?? []
                return indices.isEmpty ? .refused(status: 400) : .invalid(indices: indices)
            default:
                return .refused(status: response.status.code)
            }
        } catch {
            logger.debug("Cannot reach the collector", metadata: ["error": "\(error)"])
            return .retry(after: nil)
        }
    }

    /// The positions of the events a 400 names (`details[].field` such as `events[3].path`), within the batch.
    static func invalidEventIndices(in body: Data, batchSize: Int) -> Set<Int> {
        struct Refusal: Decodable {
            struct Problem: Decodable { let field: String }
            struct Inner: Decodable { let details: [Problem]? }
            let error: Inner
        }
        guard let refusal = try? JSONDecoder().decode(Refusal.self, from: body) else { return [] }
        var indices = Set<Int>()
        for problem in refusal.error.details ?? [] {
            guard problem.field.hasPrefix("events["), let close = problem.field.firstIndex(of: "]"),
                let index = Int(problem.field[problem.field.index(problem.field.startIndex, offsetBy: 7)..<close]),
                (0..<batchSize).contains(index)
            else { continue }
            indices.insert(index)
        }
        return indices
    }

    /// Between half and all of `duration`, so that replicas that failed together do not retry together.
    static func jittered(_ duration: Duration) -> Duration {
        duration * Double.random(in: 0.5...1.0)
    }
}
