import Foundation

extension UUID {
    /// The contract's form of an id: lower-case text. (`uuidString` is upper-case, and so is
    /// `JSONEncoder`'s encoding of a `UUID`: wire types hold ids as this string.) Written straight from
    /// the bytes: it runs for every id of every stored row and response.
    public var lowercasedString: String {
        String(unsafeUninitializedCapacity: 36) { output in
            writeLowercased(into: output)
            return 36
        }
    }

    /// Calls `body` with `lowercasedString`'s 36 bytes, written on the stack: for an id that is only
    /// copied somewhere else (the collector binds its events' ids to SQLite this way), where a string of
    /// its own (allocated: it is longer than a small string's 15 bytes) would live only for the call.
    public func withLowercasedUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { output in
            writeLowercased(into: output)
            return try body(UnsafeBufferPointer(output))
        }
    }

    /// Writes the 36 bytes of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` at the start of `output`.
    private func writeLowercased(into output: UnsafeMutableBufferPointer<UInt8>) {
        let hex: StaticString = "0123456789abcdef"
        withUnsafeBytes(of: uuid) { bytes in
            var position = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    output[position] = UInt8(ascii: "-")
                    position += 1
                }
                output[position] = hex.utf8Start[Int(byte >> 4)]
                output[position + 1] = hex.utf8Start[Int(byte & 0x0F)]
                position += 2
            }
        }
    }
}

extension UUID {
    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case) by hand: Foundation's
    /// `UUID(uuidString:)` goes through `sscanf`, which showed in the profiles of every list and of
    /// ingest, where ids are read for every row and event.
    public init?(parsing text: some StringProtocol) {
        let parsed = text.utf8.withContiguousStorageIfAvailable(Self.parse) ?? Array(text.utf8).withUnsafeBufferPointer(Self.parse)
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    /// The same for a `String`, without the generic calls (every row's ids are read this way).
    public init?(parsing text: String) {
        var text = text
        guard let parsed = text.withUTF8(Self.parse) else { return nil }
        self.init(uuid: parsed)
    }

    /// The bytes of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`; nil for anything else.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard utf8.count == 36,
            utf8[8] == UInt8(ascii: "-"), utf8[13] == UInt8(ascii: "-"), utf8[18] == UInt8(ascii: "-"), utf8[23] == UInt8(ascii: "-")
        else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let complete = withUnsafeMutableBytes(of: &uuid) { output -> Bool in
            var invalid: UInt8 = 0  // any digit's high bit: set by `nibble` for a byte that is not one
            var index = 0
            for position in 0..<16 {
                if index == 8 || index == 13 || index == 18 || index == 23 { index += 1 }
                let high = nibble(utf8[index])
                let low = nibble(utf8[index + 1])
                invalid |= high | low
                output[position] = high << 4 | (low & 0x0F)
                index += 2
            }
            return invalid & 0x80 == 0
        }
        return complete ? uuid : nil
    }

    /// A hex digit's value, or 0x80 for a byte that is not one.
    private static func nibble(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: 0x80
        }
    }
}

extension UUID {
    /// A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then random bits. Ids made one
    /// after another sort in the order they were made, as text too, so that an index on them grows at its
    /// end (a random id lands on a random page of the index: the collector's `(tenant_id, request_id)`
    /// index made inserts three to eight times slower with random request ids than with these).
    public static func version7(at date: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        var generator = IdentifierRandomness()
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { bytes in
            // Random bits where the time, the version and the variant do not go.
            bytes.storeBytes(of: generator.next(), toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: generator.next(), toByteOffset: 8, as: UInt64.self)
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }
            bytes[6] = 0x70 | (bytes[6] & 0x0F)
            bytes[8] = 0x80 | (bytes[8] & 0x3F)  // the RFC's variant
        }
        return UUID(uuid: bytes)
    }
}
