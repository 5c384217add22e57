import Foundation

/// Writes a value as the contract's JSON (`snake_case` keys, RFC 3339 millisecond timestamps) straight
/// into bytes, as its `Encodable` conformance walks it: the responses' one definition of each shape
/// stays their `Codable` type, and a page of posts costs a fraction of Foundation's `JSONEncoder`,
/// which first builds a tree of every value and converts each key through `String` and `CharacterSet`.
///
/// Keys come out in the order the type encodes them (its declaration order, for synthesized
/// conformances), not sorted. What a streaming writer cannot do (a container written to after a later
/// sibling was started, `superEncoder`) throws `Unsupported`, and `Response.json` then encodes the value
/// with `ContractJSON.makeEncoder()` instead: the same JSON, slower.
public enum ContractJSONWriter {
    /// The value used a part of `Encoder` that a streaming writer cannot honour.
    public struct Unsupported: Error {}

    /// The JSON of `value`.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let writer = StreamingJSONEncoder()
        try writer.encodeValue(value)
        writer.closeContainers(downTo: 0)
        return writer.output
    }
}

/// One open object or array.
private struct OpenContainer {
    enum Kind { case object, array }
    let kind: Kind
    let id: Int
    var isEmpty = true
}

private final class StreamingJSONEncoder: Encoder {
    var output: [UInt8] = []
    private var open: [OpenContainer] = []
    private var nextID = 0
    /// Where the value being encoded starts in `open`: a second `container(keyedBy:)` for the same value
    /// (a subclass and its superclass, say) writes into the same object.
    private var valueBase = 0

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init() {
        output.reserveCapacity(1024)
    }

    // MARK: Values

    func encodeValue<T: Encodable>(_ value: T) throws {
        // Type comparisons, not casts: a cast is a runtime call for each candidate, and this runs for every value.
        if T.self == String.self {
            writeString(unsafeBitCast(value, to: String.self))
        } else if T.self == Date.self {
            output.append(UInt8(ascii: "\""))
            Timestamp.append(unsafeBitCast(value, to: Date.self), to: &output)
            output.append(UInt8(ascii: "\""))
        } else if T.self == Int.self {
            writeInteger(unsafeBitCast(value, to: Int.self))
        } else if T.self == Int64.self {
            writeInteger(unsafeBitCast(value, to: Int64.self))
        } else if T.self == Bool.self {
            writeLiteral(unsafeBitCast(value, to: Bool.self) ? "true" : "false")
        } else if T.self == Double.self {
            try writeDouble(unsafeBitCast(value, to: Double.self))
        } else if T.self == URL.self || T.self == Data.self || T.self == Decimal.self || T.self == Float.self {
            throw ContractJSONWriter.Unsupported()  // rare here: Foundation's encoder knows their forms
        } else {
            let base = open.count
            let outerBase = valueBase
            let start = output.count
            valueBase = base
            defer { valueBase = outerBase }
            try value.encode(to: self)
            closeContainers(downTo: base)
            if output.count == start { writeLiteral("{}") }  // a value that wrote nothing is an empty object
        }
    }

    func writeString(_ string: String) {
        ContractJSONOutput.appendString(string, to: &output)
    }

    func writeInteger(_ value: some BinaryInteger) {
        ContractJSONOutput.appendInteger(value, to: &output)
    }

    /// As Foundation writes a `Double`: its shortest description, without a trailing `.0`.
    func writeDouble(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not valid JSON"))
        }
        ContractJSONOutput.appendDouble(value, to: &output)
    }

    func writeLiteral(_ literal: String) {
        output.append(contentsOf: literal.utf8)
    }

    /// `"snake_key":`, converting the key as Foundation's `.convertToSnakeCase` does.
    func writeKey(_ key: some CodingKey) {
        output.append(UInt8(ascii: "\""))
        SnakeCase.append(key.stringValue, to: &output)
        output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    // MARK: Containers

    func openContainer(_ kind: OpenContainer.Kind) -> Int {
        nextID += 1
        open.append(OpenContainer(kind: kind, id: nextID))
        output.append(kind == .object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        return nextID
    }

    func closeContainers(downTo count: Int) {
        while open.count > count {
            output.append(open.removeLast().kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Before an element of the container `id`: ends the containers opened after it (they are complete,
    /// as a container is written in order) and writes the separator. Throws when `id` was closed already.
    func beginElement(in id: Int) throws {
        guard let index = open.lastIndex(where: { $0.id == id }) else { throw ContractJSONWriter.Unsupported() }
        closeContainers(downTo: index + 1)
        if open[index].isEmpty {
            open[index].isEmpty = false
        } else {
            output.append(UInt8(ascii: ","))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if open.count > valueBase, open[valueBase].kind == .object {
            closeContainers(downTo: valueBase + 1)
            return KeyedEncodingContainer(KeyedWriter(encoder: self, id: open[valueBase].id))
        }
        return KeyedEncodingContainer(KeyedWriter(encoder: self, id: openContainer(.object)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedWriter(encoder: self, id: openContainer(.array))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueWriter(encoder: self)
    }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: StreamingJSONEncoder
    let id: Int
    var codingPath: [any CodingKey] { [] }

    func begin(_ key: Key) throws {
        try encoder.beginElement(in: id)
        encoder.writeKey(key)
    }

    mutating func encodeNil(forKey key: Key) throws {
        try begin(key)
        encoder.writeLiteral("null")
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try begin(key)
        encoder.writeString(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        try begin(key)
        encoder.writeInteger(value)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try begin(key)
        encoder.writeLiteral(value ? "true" : "false")
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try begin(key)
        try encoder.writeDouble(value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try begin(key)
        try encoder.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        guard (try? begin(key)) != nil else { return KeyedEncodingContainer(RefusingWriter()) }
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(encoder: encoder, id: encoder.openContainer(.object)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        guard (try? begin(key)) != nil else { return RefusingWriter<Key>() }
        return UnkeyedWriter(encoder: encoder, id: encoder.openContainer(.array))
    }

    mutating func superEncoder() -> any Encoder { RefusingEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder() }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let encoder: StreamingJSONEncoder
    let id: Int
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(encoder: StreamingJSONEncoder, id: Int) {
        self.encoder = encoder
        self.id = id
    }

    mutating func begin() throws {
        try encoder.beginElement(in: id)
        count += 1
    }

    mutating func encodeNil() throws {
        try begin()
        encoder.writeLiteral("null")
    }

    mutating func encode(_ value: String) throws {
        try begin()
        encoder.writeString(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try encoder.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        guard (try? begin()) != nil else { return KeyedEncodingContainer(RefusingWriter()) }
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(encoder: encoder, id: encoder.openContainer(.object)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        guard (try? begin()) != nil else { return RefusingWriter<AnyKey>() }
        return UnkeyedWriter(encoder: encoder, id: encoder.openContainer(.array))
    }

    mutating func superEncoder() -> any Encoder { RefusingEncoder() }
}

private struct SingleValueWriter: SingleValueEncodingContainer {
    let encoder: StreamingJSONEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { encoder.writeLiteral("null") }
    mutating func encode(_ value: String) throws { encoder.writeString(value) }
    mutating func encode(_ value: Bool) throws { encoder.writeLiteral(value ? "true" : "false") }
    mutating func encode(_ value: Int) throws { encoder.writeInteger(value) }
    mutating func encode(_ value: Double) throws { try encoder.writeDouble(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// What `superEncoder` and a write to a closed container get: every write throws `Unsupported`.
private struct RefusingEncoder: Encoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(RefusingWriter()) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { RefusingWriter<AnyKey>() }
    func singleValueContainer() -> any SingleValueEncodingContainer { RefusingWriter<AnyKey>() }
}

private struct RefusingWriter<Key: CodingKey>: KeyedEncodingContainerProtocol, UnkeyedEncodingContainer, SingleValueEncodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil(forKey key: Key) throws { throw ContractJSONWriter.Unsupported() }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw ContractJSONWriter.Unsupported() }
    mutating func encodeNil() throws { throw ContractJSONWriter.Unsupported() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw ContractJSONWriter.Unsupported() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingWriter<NestedKey>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { self }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingWriter<NestedKey>())
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { RefusingEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder() }
}

/// Foundation's `.convertToSnakeCase`, on the bytes of a key: words split before an upper-case letter
/// that follows a lower-case one, and before the last capital of a run followed by a lower-case letter
/// (`myURLProperty` → `my_url_property`); everything lower-cased; leading and trailing `_` kept.
/// Keys are Swift identifiers of our own types: a key with a non-ASCII letter is written unchanged.
enum SnakeCase {
    static func append(_ key: String, to output: inout [UInt8]) {
        var key = key
        key.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 }) else { return output.append(contentsOf: bytes) }
            func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
            func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
            // Most keys have no capital: written as they are, without looking for words.
            guard bytes.dropFirst().contains(where: isUpper) else { return output.append(contentsOf: bytes) }
            // Word starts, as Foundation finds them, in one pass: a capital after index 0 starts a word;
            // at the end of a run of capitals, the last one starts the word its lower-case letters end.
            var search = 1
            var written = 0
            func write(upTo end: Int, split: Bool) {
                for index in written..<end { output.append(isUpper(bytes[index]) ? bytes[index] + 32 : bytes[index]) }
                if split { output.append(UInt8(ascii: "_")) }
                written = end
            }
            while let upper = (search..<bytes.count).first(where: { isUpper(bytes[$0]) }) {
                write(upTo: upper, split: true)
                guard let lower = (upper..<bytes.count).first(where: { isLower(bytes[$0]) }) else { break }
                if lower != upper + 1 { write(upTo: lower - 1, split: true) }
                search = lower + 1
            }
            write(upTo: bytes.count, split: false)
        }
    }
}
