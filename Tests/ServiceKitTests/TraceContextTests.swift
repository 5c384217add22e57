import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import ServiceKit

/// W3C Trace Context: a valid `traceparent` is continued, anything else starts a new trace; every
/// response answers the service's own `traceparent`; the ids are in the request's events and log lines.
@Suite struct TraceContextTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parent = "00f067aa0ba902b7"

    @Test func aValidTraceparentIsContinuedWithANewSpan() throws {
        let context = TraceContext.continuing("00-\(Self.trace)-\(Self.parent)-01")
        #expect(context.traceID == Self.trace)
        #expect(context.parentSpanID == Self.parent)
        #expect(context.spanID != Self.parent && ObservedEvent.isSpanID(context.spanID))
        #expect(context.traceparent == "00-\(Self.trace)-\(context.spanID)-01")
        // A later version is read by its first four fields; flags are kept.
        #expect(TraceContext.continuing("cc-\(Self.trace)-\(Self.parent)-00-what-comes-later").traceID == Self.trace)
        #expect(TraceContext.continuing("00-\(Self.trace)-\(Self.parent)-00").flags == "00")
    }

    @Test(arguments: [
        "", "00", "garbage", "00-\(trace)-\(parent)", "00-\(trace)-\(parent)-01-extra", "ff-\(trace)-\(parent)-01",
        "00-\(trace.uppercased())-\(parent)-01", "00-\(String(repeating: "0", count: 32))-\(parent)-01",
        "00-\(trace)-0000000000000000-01", "00-\(trace.dropLast())-\(parent)-01", "00-\(trace)-\(parent)-1",
        "00-\(trace)x-\(parent)-01", "0g-\(trace)-\(parent)-01", "00-\(trace)-\(parent)-01\u{0}",
    ])
    func anythingElseStartsANewTrace(header: String) {
        let context = TraceContext.continuing(header)
        #expect(context.traceID != Self.trace && ObservedEvent.isTraceID(context.traceID), "\(header)")
        #expect(context.parentSpanID == nil && context.flags == "01")
    }

    @Test func newIdsAreRandomAndNeverZero() {
        let ids = (0..<1_000).map { _ in TraceContext.continuing(nil) }
        #expect(Set(ids.map(\.traceID)).count == 1_000)
        #expect(Set(ids.map(\.spanID)).count == 1_000)
        #expect(ids.allSatisfy { ObservedEvent.isTraceID($0.traceID) && ObservedEvent.isSpanID($0.spanID) })
    }

    /// A new trace's id begins with the millisecond it started, so that ids of later traces sort after
    /// (the collector's trace index grows at its end); the rest is random.
    @Test func aNewTraceIdBeginsWithItsMillisecond() {
        func millisecond(_ number: Int) -> Date { Date(timeIntervalSince1970: (Double(number) + 0.5) / 1000) }  // within it
        let start = millisecond(1_795_000_000_123)
        let id = TraceContext.newTraceID(at: start)
        #expect(id.prefix(12) == String(1_795_000_000_123, radix: 16).leftPadded(to: 12))
        let later = (1...50).map { TraceContext.newTraceID(at: millisecond(1_795_000_000_123 + $0)) }
        #expect(later == later.sorted() && later.allSatisfy { $0 > id })
        let sameMillisecond = (0..<1_000).map { _ in TraceContext.newTraceID(at: start) }
        #expect(Set(sameMillisecond.map { $0.dropFirst(12) }).count == 1_000, "twenty random hex digits")
        #expect(ObservedEvent.isTraceID(TraceContext.newTraceID(at: Date(timeIntervalSince1970: 0))), "never all zero")
    }

    /// Log lines of a request, as a handler records them.
    final class Lines: Sendable {
        let metadata = Mutex<[Logger.Metadata]>([])
    }

    struct RecordingHandler: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.metadata.withLock { $0.append(metadata.merging(event.metadata ?? [:]) { $1 }) }
        }
    }

    @Test func everyResponseEventAndLogLineCarriesTheTrace() async throws {
        let collector = FakeCollector()
        let lines = Lines()
        try await collector.whileRunning { url in
            let (router, shipping) = FakeCollector.shippingRouter(to: url)
            router.get("/v1/fine") { _, context -> Response in
                context.logger.info("handled")
                return Response(status: .ok)
            }
            let app = Application(router: router, services: shipping.services, logger: Logger(label: "test") { _ in RecordingHandler(lines: lines) })
            try await app.test(.router) { client in
                let continued = try await client.execute(
                    uri: "/v1/fine", method: .get, headers: [.traceparent: "00-\(Self.trace)-\(Self.parent)-01", .requestID: "traced"])
                let answered = try #require(continued.headers[.traceparent].flatMap(TraceContext.Parent.init))
                #expect(answered.traceID == Self.trace && answered.spanID != Self.parent)
                let started = try await client.execute(uri: "/v1/unknown", method: .get, headers: [.traceparent: "nonsense"])
                #expect(started.status == .notFound)
                let new = try #require(started.headers[.traceparent].flatMap(TraceContext.Parent.init), "an error answers it too")
                #expect(new.traceID != Self.trace)
                for _ in 0..<300 where collector.received < 2 { try await Task.sleep(for: .milliseconds(10)) }
                let event = try #require(collector.batches.withLock { $0.flatMap { $0 } }.first { $0["request_id"] == "traced" })
                #expect(event["trace_id"] == Self.trace)
                #expect(event["span_id"] == answered.spanID)
                #expect(collector.tracedPosts.load(ordering: .relaxed) == 0, "the shipper's own posts start no trace and join none")
                let handled = try #require(lines.metadata.withLock { $0 }.first { $0["request_id"] == "traced" })
                #expect(handled["trace_id"] == .string(Self.trace))
                #expect(handled["span_id"] == .string(answered.spanID))
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
