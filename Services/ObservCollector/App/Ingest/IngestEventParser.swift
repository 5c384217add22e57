import ServiceKit

/// Reads ingest bodies straight from their bytes: `{"events": [...]}` or one event. It takes only
/// plainly valid input (known keys spelt without escapes, each once; numbers a `JSONDecoder` reads the
/// same; strings of valid UTF-8) and answers nil for anything else, which `IngestBatchReader` then
/// decodes with `JSONDecoder` to name what is wrong. So it changes no answer, only the cost of the
/// common one: Codable's generic calls were about a third of the collector's CPU under ingest.
struct IngestEventParser: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private var position: Int
    private let end: Int

    private init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end
    }

    /// The events of `{"events": [...]}` (other members skipped), or nil.
    static func batch(_ bytes: UnsafeRawBufferPointer) -> [ObservedEvent]? {
        var parser = IngestEventParser(bytes, from: 0, to: bytes.count)
        return parser.parseBatch()
    }

    /// The event that `bytes[range]` holds (a line of NDJSON), or nil.
    static func event(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> ObservedEvent? {
        var parser = IngestEventParser(bytes, from: range.lowerBound, to: range.upperBound)
        guard let event = parser.parseEvent() else { return nil }
        parser.skipWhitespace()
        return parser.position == parser.end ? event : nil
    }

    // MARK: The shapes

    private mutating func parseBatch() -> [ObservedEvent]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var events: [ObservedEvent]?
        var first = true
        while let key = nextMember(first: &first) {
            guard let key else { return nil }
            if key.spells("events") {
                guard events == nil, let list = parseEvents() else { return nil }
                events = list
            } else {
                guard skipValue(depth: 0) else { return nil }
            }
        }
        skipWhitespace()
        return position == end ? events : nil
    }

    private mutating func parseEvents() -> [ObservedEvent]? {
        skipWhitespace()
        guard consume(UInt8(ascii: "[")) else { return nil }
        var events: [ObservedEvent] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return events }
        while true {
            guard let event = parseEvent() else { return nil }
            events.append(event)
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return events }
            guard consume(UInt8(ascii: ",")), events.count <= IngestBatchReader.maximumEvents else { return nil }
        }
    }

    private mutating func parseEvent() -> ObservedEvent? {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return nil }
        var kind: ObservedEvent.Kind?
        var ts: String?
        var service: String?
        var event = ObservedEvent(type: .request, ts: "", service: "")
        var seen: UInt32 = 0
        var first = true
        while let key = nextMember(first: &first) {
            guard let key else { return nil }
            guard let (field, bit) = Field.named(key) else {
                guard key.isUTF8, skipValue(depth: 0) else { return nil }
                continue
            }
            guard seen & bit == 0 else { return nil }  // a key twice: JSONDecoder decides
            seen |= bit
            skipWhitespace()
            switch field {
            case .type:
                guard let text = parseString(), let value = ObservedEvent.Kind(rawValue: text) else { return nil }
                kind = value
            case .ts: guard let text = parseString() else { return nil }; ts = text
            case .service: guard let text = parseString() else { return nil }; service = text
            case .status:
                if consumeNull() { continue }
                guard let value = parseInteger() else { return nil }
                event.status = value
            case .durationMs:
                if consumeNull() { continue }
                guard let value = parseDouble() else { return nil }
                event.durationMs = value
            default:
                if consumeNull() { continue }
                guard let text = parseString() else { return nil }
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

    /// A member's name as it stands in the body (without escapes), valid while the body is.
    struct Key {
        let bytes: UnsafeRawBufferPointer

        /// Whether it is `name`.
        func spells(_ name: StaticString) -> Bool {
            bytes.elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }

        /// Whether it is valid UTF-8 (a name no member has must still be one, as `JSONDecoder` requires).
        var isUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

        /// Up to 15 bytes and the length, in two words: compared as two integers.
        typealias Packed = (low: UInt64, high: UInt64)
        var packed: Packed? { Self.pack(bytes) }

        static func pack(_ bytes: some Collection<UInt8>) -> Packed? {
            guard bytes.count < 16 else { return nil }
            var low: UInt64 = 0
            var high = UInt64(bytes.count) << 56
            for (index, byte) in bytes.enumerated() {
                if index < 8 { low |= UInt64(byte) << (8 * index) } else { high |= UInt64(byte) << (8 * (index - 8)) }
            }
            return (low, high)
        }
    }

    /// The next member's name in an object, its `:` consumed: nil at the closing brace, `.some(nil)`
    /// when what comes is not a member.
    private mutating func nextMember(first: inout Bool) -> Key?? {
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return nil }
        if !first { guard consume(UInt8(ascii: ",")) else { return .some(nil) } }
        first = false
        guard let key = parseKey(), consumeColon() else { return .some(nil) }
        return key
    }

    // MARK: Values

    /// A key without escapes (one with them is left to `JSONDecoder`).
    private mutating func parseKey() -> Key? {
        skipWhitespace()
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let key = Key(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
                position += 1
                return key
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// A string value: escapes decoded, valid UTF-8 only.
    private mutating func parseString() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        var isASCII = true
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<(position - 1)])
                // ASCII is valid UTF-8 as it stands: only other texts go through validation (its generic
                // call was a tenth of the collector's CPU under ingest).
                return isASCII ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
            }
            isASCII = isASCII && byte < 0x80
            if byte == UInt8(ascii: "\\") {
                position = start
                return parseEscapedString()
            }
            if byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// The slow path of `parseString`, from just after the opening quote.
    private mutating func parseEscapedString() -> String? {
        var utf8: [UInt8] = []
        while position < end {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < end else { return nil }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = parseUnicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            default:
                if byte < 0x20 { return nil }
                utf8.append(byte)
            }
        }
        return nil
    }

    /// `XXXX` after `\u`, with the low half of a surrogate pair when it is the high one; nil for a lone half.
    private mutating func parseUnicodeEscape() -> Unicode.Scalar? {
        guard let unit = parseHex4() else { return nil }
        if (0xD800..<0xDC00).contains(unit) {
            guard position + 1 < end, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else { return nil }
            position += 2
            guard let low = parseHex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(unit)
    }

    private mutating func parseHex4() -> UInt32? {
        guard position + 4 <= end else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// An integer without fraction or exponent that fits an `Int` (others are left to `JSONDecoder`).
    private mutating func parseInteger() -> Int? {
        let start = position
        guard scanNumber() == true else { return nil }
        var value = 0
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard position - index <= 18 else { return nil }  // no overflow below 19 digits
        while index < position {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return negative ? -value : value
    }

    /// A finite number, converted as `Double(_:)` does (correctly rounded, as `JSONDecoder`).
    private mutating func parseDouble() -> Double? {
        let start = position
        guard scanNumber() != nil else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Moves past a JSON number; whether it had neither fraction nor exponent (nil: not a number).
    private mutating func scanNumber() -> Bool? {
        var isInteger = true
        _ = consume(UInt8(ascii: "-"))
        guard position < end else { return nil }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            guard scanDigits() else { return nil }
        }
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard scanDigits() else { return nil }
        }
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard scanDigits() else { return nil }
        }
        return isInteger
    }

    /// Moves past one or more digits.
    private mutating func scanDigits() -> Bool {
        let start = position
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position > start
    }

    /// Moves past any JSON value (a member this version does not know); false when it is not one.
    private mutating func skipValue(depth: Int) -> Bool {
        skipWhitespace()
        guard position < end, depth < 64 else { return false }
        switch bytes[position] {
        case UInt8(ascii: "\""): return parseString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[position] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            position += 1
            skipWhitespace()
            if consume(close) { return true }
            while true {
                if isObject {
                    skipWhitespace()
                    guard parseString() != nil, consumeColon() else { return false }
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
                if consume(close) { return true }
                guard consume(UInt8(ascii: ",")) else { return false }
            }
        case UInt8(ascii: "t"): return consumeWord("true")
        case UInt8(ascii: "f"): return consumeWord("false")
        case UInt8(ascii: "n"): return consumeNull()
        default: return scanNumber() != nil
        }
    }

    // MARK: Bytes

    private mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < end, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func consumeNull() -> Bool { consumeWord("null") }

    /// The `:` after a member's name, with the whitespace before it.
    private mutating func consumeColon() -> Bool {
        skipWhitespace()
        return consume(UInt8(ascii: ":"))
    }

    private mutating func consumeWord(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard position + length <= end else { return false }
        for offset in 0..<length where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += length
        return true
    }
}
