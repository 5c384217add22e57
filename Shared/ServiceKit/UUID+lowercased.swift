import Foundation

extension UUID {
    /// The contract's form of an id: lower-case text. (`uuidString` is upper-case, and so is
    /// `JSONEncoder`'s encoding of a `UUID`: wire types hold ids as this string.) Written straight from
    /// the bytes: it runs for every id of every stored row and response.
    public var lowercasedString: String {
        let hex: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { output in
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
                return position
            }
        }
    }
}

extension UUID {
    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case) by hand: Foundation's
    /// `UUID(uuidString:)` goes through `sscanf`, which showed in the profiles of every list and of
    /// ingest, where ids are read for every row and event.
    public init?(parsing text: some StringProtocol) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            Self.parse(utf8, into: &bytes)
        } ?? Self.parse(Array(text.utf8), into: &bytes)
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }

    private static func parse(_ utf8: some Collection<UInt8>, into uuid: inout uuid_t) -> Bool {
        guard utf8.count == 36 else { return false }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        return withUnsafeMutableBytes(of: &uuid) { output -> Bool in
            var index = utf8.startIndex
            var position = 0
            var offset = 0
            while index != utf8.endIndex {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard utf8[index] == UInt8(ascii: "-") else { return false }
                    index = utf8.index(after: index)
                    offset += 1
                    continue
                }
                guard let high = nibble(utf8[index]) else { return false }
                index = utf8.index(after: index)
                guard let low = nibble(utf8[index]) else { return false }
                index = utf8.index(after: index)
                output[position] = high << 4 | low
                position += 1
                offset += 2
            }
            return position == 16
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
