import Foundation
import Hummingbird

/// A hot response shape written straight into bytes, member by member, without `Encodable`'s runtime
/// (its containers, boxes and key conversions cost a page of posts more than reading it from the
/// database). The type's `Codable` conformance stays its definition: `write(to:)` must write exactly
/// the bytes `ContractJSONWriter.encode(self)` writes, and a test holds each conformance to that.
public protocol ContractJSONWritable: Encodable {
    func write(to json: inout ContractJSONOutput)
}

/// The bytes of a JSON value being written by `ContractJSONWritable` conformances: objects are opened,
/// given their members in order (keys as written, already snake_case), and closed.
public struct ContractJSONOutput {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func field(_ key: StaticString, _ value: String) {
        writeKey(key)
        Self.appendString(value, to: &bytes)
    }

    /// A member that is `null` when there is no value (not left out).
    public mutating func field(_ key: StaticString, orNull value: String?) {
        writeKey(key)
        if let value { Self.appendString(value, to: &bytes) } else { append("null") }
    }

    /// A member left out when there is no value (as synthesized `Encodable` conformances leave out a nil).
    public mutating func field(_ key: StaticString, ifPresent value: String?) {
        if let value { field(key, value) }
    }

    public mutating func field(_ key: StaticString, ifPresent value: Int?) {
        if let value { field(key, value) }
    }

    /// As Foundation writes a `Double`: its shortest form, without a trailing `.0`. JSON has no form for
    /// infinities and NaN: they are left out (`ContractJSONWriter` refuses them).
    public mutating func field(_ key: StaticString, ifPresent value: Double?) {
        guard let value, value.isFinite else { return }
        writeKey(key)
        Self.appendDouble(value, to: &bytes)
    }

    public mutating func field(_ key: StaticString, _ value: Int) {
        writeKey(key)
        Self.appendInteger(value, to: &bytes)
    }

    /// A timestamp as the contract writes it: `"2026-11-22T10:04:05.123Z"`.
    public mutating func field(_ key: StaticString, _ value: Date) {
        writeKey(key)
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func field(_ key: StaticString, _ values: [some ContractJSONWritable]) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        // By index: `enumerated()` in this unspecialized generic code looked up its tuple's metadata for every element.
        for index in values.indices {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            values[index].write(to: &self)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func field(_ key: StaticString, _ values: [String]) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        for index in values.indices {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendString(values[index], to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `"key":`, after a comma unless it is the object's first member.
    private mutating func writeKey(_ key: StaticString) {
        if bytes.last != UInt8(ascii: "{") { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    // MARK: Values, shared with ContractJSONWriter

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as it is.
    static func appendString(_ string: String, to output: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            output.append(UInt8(ascii: "\""))
            var runStart = 0
            var index = 0
            while index < bytes.count {
                // Eight bytes at a time past those that need no escape: most text has none.
                if index + 8 <= bytes.count, !Self.anyNeedsEscape(UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                    index += 8
                    continue
                }
                let byte = bytes[index]
                index += 1
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index - 1]))
                runStart = index
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            output.append(UInt8(ascii: "\""))
        }
    }

    /// Whether any of a word's eight bytes is a control character, a quote or a backslash (the
    /// classic bit tricks for "a byte less than n" and "a zero byte"; bytes of multi-byte characters,
    /// 0x80 and above, never match).
    @inline(__always)
    static func anyNeedsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highBits }
        let control = (word &- ones &* 0x20) & ~word & highBits
        return control | hasZeroByte(word ^ (ones &* 0x22)) | hasZeroByte(word ^ (ones &* 0x5C)) != 0
    }

    /// A finite `Double` as Foundation writes it: its shortest description, without a trailing `.0`.
    static func appendDouble(_ value: Double, to output: inout [UInt8]) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        output.append(contentsOf: text.utf8)
    }

    static func appendInteger(_ value: some BinaryInteger, to output: inout [UInt8]) {
        guard value != 0 else { return output.append(UInt8(ascii: "0")) }
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { digits in
            while magnitude > 0 {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(digits[index]) }
        }
    }
}

extension Page: ContractJSONWritable where Item: ContractJSONWritable {
    public func write(to json: inout ContractJSONOutput) {
        json.beginObject()
        json.field("items", items)
        json.field("next_cursor", orNull: nextCursor)
        json.endObject()
    }
}

extension Response {
    /// A JSON response of a hot shape, written member by member (`ContractJSONWritable`).
    public static func json(_ value: some ContractJSONWritable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var json = ContractJSONOutput()
        value.write(to: &json)
        return jsonResponse(ByteBuffer(bytes: json.bytes), status: status, headers: headers)
    }
}
