/// Reads JSON values straight from a body's bytes, for the hot shapes whose common case is worth not
/// going through `JSONDecoder` (the collector's events, `FlatRequestBody`). It takes only plainly valid
/// input: keys spelt without escapes, numbers a `JSONDecoder` reads the same, strings of valid UTF-8.
/// Each reading answers nil (or false) for anything else, and its callers then leave the whole body to
/// `JSONDecoder`, whose errors name what is wrong: so a reader changes no answer, only the cost of the
/// common one.
public struct JSONBytesReader: ~Copyable {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var position: Int
    @usableFromInline let end: Int

    /// A reader of `bytes[start..<end]`, valid while `bytes` is.
    @inlinable public init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end
    }

    /// Whether only whitespace is left.
    @inlinable public mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return position == end
    }

    // MARK: Objects

    /// A member's name as it stands in the body (without escapes), valid while the body is.
    public struct Key {
        public let bytes: UnsafeRawBufferPointer

        @inlinable init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        /// Whether it is `name`.
        @inlinable public func spells(_ name: StaticString) -> Bool {
            bytes.elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }

        /// Whether it is valid UTF-8 (a name no member has must still be one, as `JSONDecoder` requires).
        public var isUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

        /// Up to 15 bytes and the length, in two words: compared as two integers.
        public typealias Packed = (low: UInt64, high: UInt64)
        @inlinable public var packed: Packed? { Self.pack(bytes) }

        @inlinable public static func pack(_ bytes: some Collection<UInt8>) -> Packed? {
            guard bytes.count < 16 else { return nil }
            var low: UInt64 = 0
            var high = UInt64(bytes.count) << 56
            var index = 0
            for byte in bytes {
                if index < 8 { low |= UInt64(byte) << (8 * index) } else { high |= UInt64(byte) << (8 * (index - 8)) }
                index += 1
            }
            return (low, high)
        }
    }

    /// The next member's name in an object whose `{` was consumed, its `:` consumed too: nil at the
    /// closing brace, `.some(nil)` when what comes is not a member. `first` is true until the first call.
    @inlinable public mutating func nextMember(first: inout Bool) -> Key?? {
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return nil }
        if !first { guard consume(UInt8(ascii: ",")) else { return .some(nil) } }
        first = false
        guard let key = readKey(), consumeColon() else { return .some(nil) }
        return key
    }

    /// A key without escapes (one with them is left to `JSONDecoder`).
    @inlinable mutating func readKey() -> Key? {
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

    // MARK: Values

    /// A string value: escapes decoded, valid UTF-8 only.
    @inlinable public mutating func readString() -> String? {
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
                return readEscapedString()
            }
            if byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// The slow path of `readString`, from just after the opening quote.
    @usableFromInline mutating func readEscapedString() -> String? {
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
                    guard let scalar = readUnicodeEscape() else { return nil }
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
    private mutating func readUnicodeEscape() -> Unicode.Scalar? {
        guard let unit = readHex4() else { return nil }
        if (0xD800..<0xDC00).contains(unit) {
            guard position + 1 < end, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else { return nil }
            position += 2
            guard let low = readHex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(unit)
    }

    private mutating func readHex4() -> UInt32? {
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
    @inlinable public mutating func readInteger() -> Int? {
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
    @inlinable public mutating func readDouble() -> Double? {
        let start = position
        guard scanNumber() != nil else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Moves past a JSON number; whether it had neither fraction nor exponent (nil: not a number).
    @inlinable mutating func scanNumber() -> Bool? {
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
    @inlinable mutating func scanDigits() -> Bool {
        let start = position
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position > start
    }

    /// Moves past any JSON value (a member a shape does not know); false when it is not one.
    public mutating func skipValue(depth: Int = 0) -> Bool {
        skipWhitespace()
        guard position < end, depth < 64 else { return false }
        switch bytes[position] {
        case UInt8(ascii: "\""): return readString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[position] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            position += 1
            skipWhitespace()
            if consume(close) { return true }
            while true {
                if isObject {
                    skipWhitespace()
                    guard readString() != nil, consumeColon() else { return false }
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

    @inlinable public mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    /// Moves past `byte` if it comes next.
    @inlinable public mutating func consume(_ byte: UInt8) -> Bool {
        guard position < end, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// Moves past `null` if it comes next.
    @inlinable public mutating func consumeNull() -> Bool { consumeWord("null") }

    /// The `:` after a member's name, with the whitespace before it.
    @inlinable mutating func consumeColon() -> Bool {
        skipWhitespace()
        return consume(UInt8(ascii: ":"))
    }

    @inlinable mutating func consumeWord(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard position + length <= end else { return false }
        for offset in 0..<length where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += length
        return true
    }
}
