import ServiceKit

/// Reads ingest bodies straight from their bytes: `{"events": [...]}` or one event. It takes only what
/// `JSONBytesReader` reads (plainly valid input) with each known key once, and answers nil for anything
/// else, which `IngestBatchReader` then decodes with `JSONDecoder` to name what is wrong. So it changes no
/// answer, only the cost of the common one: Codable's generic calls were about a third of the
/// collector's CPU under ingest.
struct IngestEventParser: ~Copyable {
    private typealias Key = JSONBytesReader.Key
    private var reader: JSONBytesReader

    private init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        reader = JSONBytesReader(bytes, from: start, to: end)
    }

    /// The events of `{"events": [...]}` (other members skipped), or nil.
    static func batch(_ bytes: UnsafeRawBufferPointer) -> [ObservedEvent]? {
        var parser = IngestEventParser(bytes, from: 0, to: bytes.count)
        return parser.parseBatch()
    }

    /// The event that `bytes[range]` holds (a line of NDJSON), or nil.
    static func event(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> ObservedEvent? {
        var parser = IngestEventParser(bytes, from: range.lowerBound, to: range.upperBound)
        guard let event = parser.parseEvent(), parser.reader.isAtEnd() else { return nil }
        return event
    }

    // MARK: The shapes

    private mutating func parseBatch() -> [ObservedEvent]? {
        guard reader.consume(UInt8(ascii: "{")) else { return nil }
        var events: [ObservedEvent]?
        var first = true
        while let key = reader.nextMember(first: &first) {
            guard let key else { return nil }
            if key.spells("events") {
                guard events == nil, let list = parseEvents() else { return nil }
                events = list
            } else {
                guard reader.skipValue() else { return nil }
            }
        }
        return reader.isAtEnd() ? events : nil
    }

    private mutating func parseEvents() -> [ObservedEvent]? {
        reader.skipWhitespace()
        guard reader.consume(UInt8(ascii: "[")) else { return nil }
        var events: [ObservedEvent] = []
        reader.skipWhitespace()
        if reader.consume(UInt8(ascii: "]")) { return events }
        while true {
            guard let event = parseEvent() else { return nil }
            events.append(event)
            reader.skipWhitespace()
            if reader.consume(UInt8(ascii: "]")) { return events }
            guard reader.consume(UInt8(ascii: ",")), events.count <= IngestBatchReader.maximumEvents else { return nil }
        }
    }

    private mutating func parseEvent() -> ObservedEvent? {
        reader.skipWhitespace()
        guard reader.consume(UInt8(ascii: "{")) else { return nil }
        var kind: ObservedEvent.Kind?
        var ts: String?
        var service: String?
        var event = ObservedEvent(type: .request, ts: "", service: "")
        var seen: UInt32 = 0
        var first = true
        while let key = reader.nextMember(first: &first) {
            guard let key else { return nil }
            guard let (field, bit) = Field.named(key) else {
                guard key.isUTF8, reader.skipValue() else { return nil }
                continue
            }
            guard seen & bit == 0 else { return nil }  // a key twice: JSONDecoder decides
            seen |= bit
            reader.skipWhitespace()
            switch field {
            case .type:
                guard let text = reader.readString(), let value = ObservedEvent.Kind(rawValue: text) else { return nil }
                kind = value
            case .ts: guard let text = reader.readString() else { return nil }; ts = text
            case .service: guard let text = reader.readString() else { return nil }; service = text
            case .status:
                if reader.consumeNull() { continue }
                guard let value = reader.readInteger() else { return nil }
                event.status = value
            case .durationMs:
                if reader.consumeNull() { continue }
                guard let value = reader.readDouble() else { return nil }
                event.durationMs = value
            default:
                if reader.consumeNull() { continue }
                guard let text = reader.readString() else { return nil }
                field.set(text, in: &event)
            }
        }
        guard let kind, let ts, let service else { return nil }
        event.type = kind
        event.ts = ts
        event.service = service
        return event
    }

    /// An event's members by their wire names (`ObservedEvent.CodingKeys`; the property test holds the
    /// two to the same answers).
    private enum Field: String, CaseIterable {
        case type, ts, service, status, durationMs = "duration_ms"
        case tenantID = "tenant_id", userID = "user_id", requestID = "request_id", method, path, route, clientIP = "client_ip"
        case userAgent = "user_agent", level, message, errorType = "error_type", traceID = "trace_id", spanID = "span_id"
        case action, outcome, actorID = "actor_id", subjectID = "subject_id", reason

        /// The member a key names, with its bit in the mask of members seen: matched on the key's bytes,
        /// so that no string is made and nothing hashed for the members of every event (that was a tenth
        /// of the collector's CPU under ingest).
        static func named(_ key: Key) -> (field: Field, bit: UInt32)? {
            guard let packed = key.packed else { return nil }
            for entry in byPackedName where entry.name == packed { return (entry.field, entry.bit) }
            return nil
        }

        private static let byPackedName: [(name: Key.Packed, field: Field, bit: UInt32)] = allCases.enumerated().map { index, field in
            (Key.pack(Array(field.rawValue.utf8))!, field, UInt32(1) << UInt32(index))
        }

        /// Sets a text member (field by field: writes through key paths cost more than the parsing).
        func set(_ text: String, in event: inout ObservedEvent) {
            switch self {
            case .tenantID: event.tenantID = text
            case .userID: event.userID = text
            case .requestID: event.requestID = text
            case .method: event.method = text
            case .path: event.path = text
            case .route: event.route = text
            case .clientIP: event.clientIP = text
            case .userAgent: event.userAgent = text
            case .level: event.level = text
            case .message: event.message = text
            case .errorType: event.errorType = text
            case .traceID: event.traceID = text
            case .spanID: event.spanID = text
            case .action: event.action = text
            case .outcome: event.outcome = text
            case .actorID: event.actorID = text
            case .subjectID: event.subjectID = text
            case .reason: event.reason = text
            case .type, .ts, .service, .status, .durationMs: break
            }
        }
    }
}
