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
