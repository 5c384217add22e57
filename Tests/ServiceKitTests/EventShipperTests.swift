import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import ServiceTestSupport
import Testing

@testable import ServiceKit

/// A collector stand-in on loopback: records the batches it accepts (each `Idempotency-Key` once) and
/// answers what a test scripts.
final class FakeCollector: Sendable {
    let batches = Mutex<[[[String: String]]]>([])
    private let storedKeys = Mutex<Set<String>>([])
    /// Statuses to answer first (with `Retry-After: 1` for 429 and 503), then 202.
    let script: Mutex<[HTTPResponse.Status]>
    let authorizations = Mutex<[String]>([])
    /// Posts that came with a `traceparent`: the shipper's must never (shipping is part of no trace).
    let tracedPosts = Atomic(0)
    /// Every post, answered or not: its `Idempotency-Key` and its events' request ids.
    let posts = Mutex<[(key: String, requestIDs: [String])]>([])
    /// Events with these request ids are refused as the collector does: a 400 naming each of them.
    let refusedRequestIDs: Set<String>
    /// Called with each post's number (from 1) before it is answered.
    let onPost: @Sendable (Int) -> Void

    init(script: [HTTPResponse.Status] = [], refusing refusedRequestIDs: Set<String> = [], onPost: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.script = Mutex(script)
        self.refusedRequestIDs = refusedRequestIDs
        self.onPost = onPost
    }

    var received: Int { batches.withLock { $0.reduce(0) { $0 + $1.count } } }

    func whileRunning<Value: Sendable>(port: Int = 0, _ body: @Sendable (URL) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicServiceRequestContext.self)
        router.add(middleware: ServiceMiddleware(metrics: ServiceMetrics()))
        router.post("/v1/events") { request, context -> Response in
            self.authorizations.withLock { $0.append(request.headers[.authorization] ?? "") }
            if request.headers[.traceparent] != nil { self.tracedPosts.add(1, ordering: .relaxed) }
            // The body is read before any answer: a server that answers before reading may close the
            // connection under a client still sending, which the shipper rightly counts as a failure.
            let body = try await request.body.collect(upTo: 10 << 20)
            let batch = try JSONDecoder().decode(ReceivedBatch.self, from: body)
            let number = self.posts.withLock {
                $0.append((request.headers[HTTPField.Name("Idempotency-Key")!] ?? "", batch.events.map { $0["request_id"]?.text ?? "" }))
                return $0.count
            }
            self.onPost(number)
            let next = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let next {
                return Response(status: next, headers: [.retryAfter: "1"])
            }
            let refused = batch.events.indices.filter { self.refusedRequestIDs.contains(batch.events[$0]["request_id"]?.text ?? "") }
            if !refused.isEmpty {
                throw AppError.validationFailed(refused.map { FieldError(field: "events[\($0)].path", message: "must be at most 2048 characters") })
            }
            // Stored once per key, as the collector does: a post whose answer was lost is sent again.
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? UUID().uuidString
            if self.storedKeys.withLock({ $0.insert(key).inserted }) {
                self.batches.withLock { $0.append(batch.events.map { $0.mapValues(\.text) }) }
            }
            return Response(status: .accepted)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: Logger(label: "fake-collector") { _ in SwiftLogNoOpLogHandler() })
        return try await app.test(.live) { client in try await body(URL(string: "http://127.0.0.1:\(client.port!)")!) }
    }
}

extension FakeCollector {
    /// A service's router whose events go to this collector (at `url`) every 20 ms, and its shipping.
    static func shippingRouter(to url: URL) -> (Router<BasicServiceRequestContext>, EventShipping) {
        var settings = EventShipper.Settings(collectorURL: url, ingestKey: "test-ingest-key-0123456789")
        settings.flushInterval = .milliseconds(20)
        let metrics = ServiceMetrics()
        let shipping = EventShipping(
            settings: settings, serviceName: "test-service", trustedProxies: TrustedProxies(), metrics: metrics,
            logger: Logger(label: "events") { _ in SwiftLogNoOpLogHandler() })
        let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: metrics, readiness: { 1 }, events: shipping.events)
        return (router, shipping)
    }
}

struct ReceivedBatch: Decodable {
    let events: [[String: AnyScalar]]
}

/// A JSON scalar read as text.
struct AnyScalar: Decodable {
    let text: String
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) { text = string }
        else if let int = try? container.decode(Int.self) { text = String(int) }
        else if let double = try? container.decode(Double.self) { text = String(double) }
        else { text = "" }
    }
}

@Suite struct EventShipperTests {
    let logger = Logger(label: "shipper") { _ in SwiftLogNoOpLogHandler() }

    func event(_ index: Int) -> ObservedEvent {
        var event = ObservedEvent(type: .request, at: Date(), service: "blog-service")
        event.requestID = "r-\(index)"
        event.method = "GET"
        event.path = "/v1/posts"
        event.status = 200
        event.durationMs = 1.5
        return event
    }

    func shipper(_ url: URL, _ adjust: (inout EventShipper.Settings) -> Void = { _ in }) -> (EventShipper, ServiceMetrics) {
        var settings = EventShipper.Settings(collectorURL: url, ingestKey: "test-ingest-key-0123456789")
        settings.flushInterval = .milliseconds(20)
        settings.initialBackoff = .milliseconds(20)
        settings.maximumBackoff = .milliseconds(100)
        adjust(&settings)
        let metrics = ServiceMetrics()
        return (EventShipper(settings: settings, metrics: metrics, logger: logger), metrics)
    }

    /// Runs the shipper while `body` runs, then shuts it down gracefully.
    func running(_ shipper: EventShipper, _ body: @Sendable () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [shipper], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }

    /// The batch body is written member by member: it reads back as the events, as Foundation's
    /// encoder's does, whatever the texts hold.
    @Test func aBatchBodyReadsBackAsItsEvents() throws {
        var full = ObservedEvent(type: .request, at: Date(timeIntervalSince1970: 1_795_000_000.123), service: "blog-service")
        full.tenantID = UUID().lowercasedString
        full.method = "GET"
        full.path = "/v1/posts/\"quoted\"\\back\u{1}ctl/é😀"
        full.status = 200
        full.durationMs = 3.25
        full.userAgent = "line\nbreak\ttab"
        var bare = ObservedEvent(type: .error, at: Date(), service: "auth-service")
        bare.message = "</script>"
        bare.durationMs = 0.1 + 0.2
        struct Batch: Decodable, Equatable { let events: [ObservedEvent] }
        let written = EventShipper.body(of: [full, bare])
        #expect(try JSONDecoder().decode(Batch.self, from: Data(written)) == Batch(events: [full, bare]))
        #expect(!String(decoding: written, as: UTF8.self).contains("null"), "absent fields are left out")
    }

    /// An event written member by member is byte for byte what its `Codable` conformance writes, with
    /// every field and with none: a field added to `ObservedEvent` and not to its `write(to:)` fails here.
    @Test func anEventIsWrittenAsItsCodableConformanceWritesIt() throws {
        var full = ObservedEvent(type: .audit, at: Date(timeIntervalSince1970: 1_795_000_000.123), service: "auth-service")
        let texts: [WritableKeyPath<ObservedEvent, String?>] = [
            \.tenantID, \.userID, \.requestID, \.method, \.path, \.route, \.clientIP, \.userAgent, \.level, \.message,
            \.errorType, \.traceID, \.spanID, \.action, \.outcome, \.actorID, \.subjectID, \.reason,
        ]
        for (index, keyPath) in texts.enumerated() { full[keyPath: keyPath] = "v\(index) \"q\" \\ \n é" }
        full.status = 503
        full.durationMs = 12.5
        let bare = ObservedEvent(type: .request, ts: "2026-11-24T10:00:00.000Z", service: "blog-service")
        for event in [full, bare] {
            var json = ContractJSONOutput()
            event.write(to: &json)
            let written = String(decoding: json.bytes, as: UTF8.self)
            let encoded = String(decoding: try ContractJSONWriter.encode(event), as: UTF8.self)
            #expect(written == encoded)
        }
        var whole = full
        whole.durationMs = 3
        var json = ContractJSONOutput()
        whole.write(to: &json)
        #expect(String(decoding: json.bytes, as: UTF8.self).contains(#""duration_ms":3,"#), "a whole number without .0, as Foundation")
    }

    @Test func eventsGoOutInBatchesWithTheIngestKey() async throws {
        let collector = FakeCollector()
        try await collector.whileRunning { url in
            let (shipper, metrics) = shipper(url) { $0.batchSize = 10 }
            try await running(shipper) {
                for index in 0..<25 { shipper.enqueue(event(index)) }
                try await waitUntil { collector.received == 25 }
            }
            #expect(collector.batches.withLock { $0.allSatisfy { $0.count <= 10 } })
            #expect(collector.authorizations.withLock { Set($0) } == ["Bearer test-ingest-key-0123456789"])
            let sent = collector.batches.withLock { $0.flatMap { $0.compactMap { $0["request_id"] } } }
            #expect(sent == (0..<25).map { "r-\($0)" }, "in order, each once")
            #expect(collector.batches.withLock { $0.first?.first?["duration_ms"] } == "1.5")
            #expect(metrics.render().contains("event_shipper_events_sent_total 25"))
        }
    }

    /// Full batches go one after another, then the rest in one post; what arrives during those posts
    /// waits for the next interval rather than going a few events a post (a busy service did that).
    @Test func eventsThatArriveDuringAPostWaitForTheNextInterval() async throws {
        let shipperBox = Mutex<EventShipper?>(nil)
        let collector = FakeCollector(onPost: { number in
            guard number <= 3, let shipper = shipperBox.withLock({ $0 }) else { return }
            for index in 0..<(number == 3 ? 2 : 3) { shipper.enqueue(self.event(100 * number + index)) }
        })
        try await collector.whileRunning { url in
            let (shipper, _) = shipper(url) {
                $0.batchSize = 10
                $0.flushInterval = .seconds(3)
            }
            shipperBox.withLock { $0 = shipper }
            for index in 0..<22 { shipper.enqueue(event(index)) }
            try await running(shipper) {
                try await waitUntil { collector.posts.withLock { $0.count } == 3 && shipper.bufferedCount == 2 }
                try await Task.sleep(for: .milliseconds(300))
                #expect(collector.posts.withLock { $0.map(\.requestIDs.count) } == [10, 10, 8], "two full batches, then the rest")
                #expect(shipper.bufferedCount == 2, "the two that came during the last post wait for the interval")
            }
            #expect(collector.received == 30, "and go at shutdown")
        }
    }

    @Test func unavailableAndTooManyRequestsAreRetried() async throws {
        let collector = FakeCollector(script: [.serviceUnavailable, .tooManyRequests])
        try await collector.whileRunning { url in
            let (shipper, metrics) = shipper(url)
            let start = ContinuousClock.now
            try await running(shipper) {
                for index in 0..<5 { shipper.enqueue(event(index)) }
                try await waitUntil { collector.received == 5 }
            }
            // Two refusals, then the delivery; on a loaded machine a post may also time out and be
            // retried, which is the shipper doing its job too.
            let posts = collector.authorizations.withLock { $0.count }
            #expect(posts >= 3, "two refusals, then the delivery: \(collector.batches.withLock { $0.map(\.count) })")
            #expect(ContinuousClock.now - start >= .seconds(2), "each Retry-After: 1 was waited out")
            #expect(prometheusValue("event_shipper_send_failures_total", in: metrics.render()) == Double(posts - 1))
            #expect(collector.received == 5)
        }
    }

    /// A retry is the same batch under the same key, whatever was buffered meanwhile: a collector that
    /// committed the first try (its answer lost) then stores nothing twice.
    @Test func aRetrySendsTheSameBatchUnderTheSameKey() async throws {
        let collector = FakeCollector(script: [.serviceUnavailable])
        try await collector.whileRunning { url in
            let (shipper, _) = shipper(url) { $0.batchSize = 10 }
            try await running(shipper) {
                for index in 0..<3 { shipper.enqueue(event(index)) }
                try await waitUntil { collector.posts.withLock { $0.count } == 1 }
                for index in 3..<5 { shipper.enqueue(event(index)) }  // during the Retry-After
                try await waitUntil { collector.received == 5 }
            }
            let posts = collector.posts.withLock { $0 }
            #expect(posts.map(\.requestIDs) == [["r-0", "r-1", "r-2"], ["r-0", "r-1", "r-2"], ["r-3", "r-4"]])
            #expect(posts[0].key == posts[1].key)
            #expect(posts[1].key != posts[2].key)
            #expect(posts.allSatisfy { UUID(uuidString: $0.key) != nil }, "\(posts.map(\.key))")
        }
    }

    @Test func aBatchTheCollectorRefusesIsDroppedAndCounted() async throws {
        let collector = FakeCollector(script: [.badRequest])
        try await collector.whileRunning { url in
            let (shipper, metrics) = shipper(url) { $0.batchSize = 3 }
            try await running(shipper) {
                for index in 0..<3 { shipper.enqueue(event(index)) }
                try await waitUntil { shipper.bufferedCount == 0 }
                shipper.enqueue(event(3))
                try await waitUntil { collector.received == 1 }
            }
            #expect(metrics.render().contains(#"event_shipper_events_dropped_total{reason="refused"} 3"#))
        }
    }

    /// Finding 3 of the hardening issue: one event the collector refuses no longer costs its
    /// neighbours their delivery; only the events the 400 names are set aside.
    @Test func aRefusalNamingEventsDropsOnlyThose() async throws {
        let collector = FakeCollector(refusing: ["r-1", "r-3"])
        try await collector.whileRunning { url in
            let (shipper, metrics) = shipper(url) { $0.batchSize = 5 }
            try await running(shipper) {
                for index in 0..<5 { shipper.enqueue(event(index)) }
                try await waitUntil { collector.received == 3 }
            }
            let sent = collector.batches.withLock { $0.flatMap { $0.compactMap { $0["request_id"] } } }
            #expect(sent == ["r-0", "r-2", "r-4"])
            #expect(metrics.render().contains(#"event_shipper_events_dropped_total{reason="invalid"} 2"#))
            #expect(!metrics.render().contains(#"event_shipper_events_dropped_total{reason="refused"} 5"#))
        }
    }

    /// Events are clamped to the collector's limits as they are buffered.
    @Test func eventsAreClampedAsTheyAreBuffered() async throws {
        let collector = FakeCollector()
        try await collector.whileRunning { url in
            let (shipper, _) = shipper(url)
            try await running(shipper) {
                var long = event(0)
                long.path = "/" + String(repeating: "x", count: 10_000)
                long.userAgent = "agent\u{0}\u{1B}"
                shipper.enqueue(long)
                try await waitUntil { collector.received == 1 }
            }
            let received = try #require(collector.batches.withLock { $0.first?.first })
            #expect(received["path"]?.unicodeScalars.count == 2048)
            #expect(received["user_agent"] == "agent\u{FFFD}\u{FFFD}")
        }
    }

    @Test func aFullBufferDropsNewEventsAndCountsThem() async throws {
        // Nothing listens on this port: every post fails, and the buffer fills.
        let (shipper, metrics) = shipper(URL(string: "http://127.0.0.1:\(freeLoopbackPort())")!) {
            $0.capacity = 10
            $0.shutdownTimeout = .milliseconds(100)
        }
        for index in 0..<15 { shipper.enqueue(event(index)) }
        #expect(shipper.bufferedCount == 10)
        #expect(metrics.render().contains(#"event_shipper_events_dropped_total{reason="buffer_full"} 5"#))
        #expect(metrics.render().contains("event_shipper_buffered_events 10"))
    }

    @Test func aGracefulShutdownFlushesTheBuffer() async throws {
        let collector = FakeCollector()
        try await collector.whileRunning { url in
            // A flush interval far beyond the test: only the shutdown can send these.
            let (shipper, _) = shipper(url) { $0.flushInterval = .seconds(3600) }
            try await running(shipper) {
                for index in 0..<7 { shipper.enqueue(event(index)) }
            }
            #expect(collector.received == 7)
        }
    }
}

/// The request events, as every service wires them: one `request` event per answered request,
/// and an `error` event for a 5xx, with the request id.
@Suite struct RequestEventsTests {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "the disk is on fire" }
    }

    /// A request event's `ts` is when the request began: it and its `duration_ms` lie between the
    /// moments the test sent the request and had its answer (a route that takes 200 ms tells the
    /// beginning from the end).
    @Test func aRequestEventIsTimedFromItsBeginning() async throws {
        let collector = FakeCollector()
        try await collector.whileRunning { url in
            let (router, shipping) = FakeCollector.shippingRouter(to: url)
            router.get("/v1/slow") { _, _ -> Response in
                try await Task.sleep(for: .milliseconds(200))
                return Response(status: .ok)
            }
            let app = Application(router: router, services: shipping.services, logger: Logger(label: "events") { _ in SwiftLogNoOpLogHandler() })
            let (sent, answered) = try await app.test(.router) { client in
                let sent = Date()
                _ = try await client.execute(uri: "/v1/slow", method: .get, headers: [.requestID: "req-slow"])
                let answered = Date()
                for _ in 0..<300 where collector.received < 1 { try await Task.sleep(for: .milliseconds(10)) }
                return (sent, answered)
            }
            let event = try #require(collector.batches.withLock { $0.flatMap { $0 } }.first { $0["request_id"] == "req-slow" })
            let began = try #require(event["ts"].flatMap(Timestamp.parse))
            let seconds = try #require(event["duration_ms"].flatMap(Double.init)) / 1000
            #expect(seconds >= 0.2)
            // `ts` is rounded to the millisecond.
            #expect(began.timeIntervalSince(sent) >= -0.001, "began \(began), sent \(sent)")
            #expect(began.addingTimeInterval(seconds).timeIntervalSince(answered) <= 0.001, "ended \(began.addingTimeInterval(seconds)), answered \(answered)")
        }
    }

    @Test func aFailureBecomesARequestEventAndAnErrorEvent() async throws {
        let collector = FakeCollector()
        try await collector.whileRunning { url in
            let logger = Logger(label: "events") { _ in SwiftLogNoOpLogHandler() }
            let (router, shipping) = FakeCollector.shippingRouter(to: url)
            router.get("/v1/things/{id}") { _, _ -> Response in throw Broken() }
            router.get("/v1/fine") { _, _ in Response(status: .ok) }
            let app = Application(router: router, services: shipping.services, logger: logger)
            try await app.test(.router) { client in
                _ = try await client.execute(uri: "/v1/things/42?secret=x", method: .get, headers: [.requestID: "req-500", .userAgent: "tests/1"])
                _ = try await client.execute(uri: "/v1/fine", method: .get, headers: [.requestID: "req-200"])
                _ = try await client.execute(uri: "/healthz", method: .get)
                for _ in 0..<300 where collector.received < 3 { try await Task.sleep(for: .milliseconds(10)) }
            }
            let events = collector.batches.withLock { $0.flatMap { $0 } }
            #expect(events.count == 3, "two requests and one error; /healthz is not reported")
            let failed = try #require(events.first { $0["request_id"] == "req-500" && $0["type"] == "request" })
            #expect(failed["status"] == "500")
            #expect(failed["route"] == "/v1/things/{id}")
            #expect(failed["path"] == "/v1/things/42", "no query string")
            #expect(failed["user_agent"] == "tests/1")
            #expect(failed["service"] == "test-service")
            let error = try #require(events.first { $0["type"] == "error" })
            #expect(error["request_id"] == "req-500")
            // The tenant's error log is told what the client was told; the internal description (SQL
            // text, paths) stays in the service's own log.
            #expect(error["message"]?.hasPrefix("Internal server error") == true)
            #expect(error["message"]?.contains("the disk is on fire") == false)
            #expect(error["error_type"]?.hasSuffix("Broken") == true)
            #expect(events.contains { $0["request_id"] == "req-200" && $0["status"] == "200" })
        }
    }
}
