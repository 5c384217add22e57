import Foundation
import HTTPTypes
import Hummingbird

/// A request's place in a W3C trace (Trace Context, level 1): the trace it belongs to, the caller's
/// span when one came in `traceparent`, and this service's own span, which the service answers in its
/// own `traceparent` and writes, with the trace id, in every log line and event of the request.
public struct TraceContext: Sendable, Equatable {
    /// 32 lower-case hex digits, not all zero.
    public let traceID: String
    /// This service's span: 16 lower-case hex digits, not all zero.
    public let spanID: String
    /// The caller's span, from its `traceparent`; nil when this service started the trace.
    public let parentSpanID: String?
    /// The trace flags, as two hex digits (`01`: sampled).
    public let flags: String

    /// The `traceparent` this service answers and would send on: `00-<trace id>-<span id>-<flags>`.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(flags)" }

    /// Continues the caller's trace when `traceparent` is valid, else starts a new one (sampled).
    public static func continuing(_ traceparent: String?) -> TraceContext {
        if let traceparent, let parent = Parent(traceparent) {
            return TraceContext(traceID: parent.traceID, spanID: newSpanID(), parentSpanID: parent.spanID, flags: parent.flags)
        }
        return TraceContext(traceID: newTraceID(), spanID: newSpanID(), parentSpanID: nil, flags: "01")
    }

    /// The fields of a `traceparent` header that W3C's rules accept: version `00` with exactly four
    /// fields, or a later version (not `ff`) whose first four fields read the same way; lower-case hex
    /// of the right lengths; neither id all zero.
    struct Parent: Equatable {
        let traceID: String
        let spanID: String
        let flags: String

        init?(_ header: String) {
            let text = header.trimmingCharacters(in: .whitespaces)
            let fields = text.split(separator: "-", omittingEmptySubsequences: false)
            guard fields.count >= 4, let version = fields.first, Self.isHex(version, count: 2), version != "ff",
                version != "00" || fields.count == 4,
                Self.isHex(fields[1], count: 32), Self.isHex(fields[2], count: 16), Self.isHex(fields[3], count: 2),
                fields[1].contains(where: { $0 != "0" }), fields[2].contains(where: { $0 != "0" })
            else { return nil }
            traceID = String(fields[1])
            spanID = String(fields[2])
            flags = String(fields[3])
        }

        private static func isHex(_ text: Substring, count: Int) -> Bool {
            text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        }
    }

    /// A new trace's id: the bytes of a version 7 UUID of the millisecond it starts (`UUID.version7`: six
    /// bytes of time, big-endian, then 74 random bits around the version and variant), as lower-case hex.
    /// Time-ordered, so that the collector's index of a tenant's traces grows at its end: with random
    /// ids every shipped event put its entry on a random page of that index, and storing the blog's
    /// events cost the collector 40 µs each instead of 10. AWS X-Ray's trace ids carry their start time
    /// the same way. Never all zero: the version's bits are not.
    static func newTraceID(at date: Date = Date()) -> String {
        withUnsafeBytes(of: UUID.version7(at: date).uuid) { hex($0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// A new span's id: eight random bytes as lower-case hex, never all zero.
    static func newSpanID() -> String {
        var generator = IdentifierRandomness()
        var word: UInt64 = 0
        while word == 0 { word = generator.next() }
        return withUnsafeBytes(of: word) { hex($0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// Lower-case hex, two digits a byte.
    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            for (index, byte) in bytes.enumerated() {
                output[2 * index] = digits.utf8Start[Int(byte >> 4)]
                output[2 * index + 1] = digits.utf8Start[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
