/// A `ClosedRequestBody` whose members are all text (a string; null or absent where optional), read
/// straight from the body's bytes when it is plainly valid: `JSONDecoder`'s generic machinery was about
/// 9 % of a create's CPU, for three fields. Anything else (a member missing, unknown, twice or of
/// another type, an escaped key, malformed JSON) is left to `JSONDecoder`, whose errors name what is
/// wrong, so reading a body this way changes no answer.
///
/// Conform by reading each member by its wire name (`snake_case`, as `CodingKeys` are on the wire):
/// ```swift
/// init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
///     title = try members.text("title")
///     status = try members.optionalValue("status", as: Post.Status.self)
/// }
/// ```
/// `FlatRequestBodyCheck` (the tests' support) holds each conforming type to `JSONDecoder`'s answers.
public protocol FlatRequestBody: ClosedRequestBody {
    init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder)
}

extension FlatRequestBody {
    /// The body that `bytes` hold when it is plainly valid; nil otherwise.
    public static func read(_ bytes: UnsafeRawBufferPointer) -> Self? {
        guard var members = FlatJSONObject(bytes), let body = try? Self(members: &members), members.allRead else { return nil }
        return body
    }
}

/// The members of a JSON object whose values are all strings or null, each key once and spelt without
/// escapes; valid while the bytes it was read from are. Reading a member marks it read: a body with a
/// member its type never reads is an unknown field's, which is left to `JSONDecoder`.
public struct FlatJSONObject: ~Copyable {
    /// What `FlatRequestBody.init(members:)` throws when the members are not a valid body's.
    public struct LeftToDecoder: Error {
        public init() {}
    }

    private var members: [(name: JSONBytesReader.Key, value: String?)] = []
    private var read: UInt32 = 0
    /// More members than any flat body has: a body with more is left to `JSONDecoder`.
    private static let maximumMembers = 16

    /// The object `bytes` hold, or nil when they hold anything else.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var reader = JSONBytesReader(bytes, from: 0, to: bytes.count)
        reader.skipWhitespace()
        guard reader.consume(UInt8(ascii: "{")) else { return nil }
        members.reserveCapacity(4)
        var first = true
        while let key = reader.nextMember(first: &first) {
            guard let key, members.count < Self.maximumMembers,
                  !members.contains(where: { $0.name.bytes.elementsEqual(key.bytes) }) else { return nil }
            reader.skipWhitespace()
            if reader.consumeNull() {
                members.append((key, nil))
            } else {
                guard let text = reader.readString() else { return nil }
                members.append((key, text))
            }
        }
        guard reader.isAtEnd() else { return nil }
    }

    /// Whether every member was read.
    var allRead: Bool { read == (1 << members.count) - 1 }

    /// A required member's text: throws when it is absent or null.
    public mutating func text(_ name: StaticString) throws(LeftToDecoder) -> String {
        guard case .some(.some(let text)) = take(name) else { throw LeftToDecoder() }
        return text
    }

    /// An optional member's text: nil when it is absent or null.
    public mutating func optionalText(_ name: StaticString) -> String? {
        take(name) ?? nil
    }

    /// A required member that is one of `Value`'s raw values.
    public mutating func value<Value: RawRepresentable<String>>(_ name: StaticString, as _: Value.Type) throws(LeftToDecoder) -> Value {
        guard let value = Value(rawValue: try text(name)) else { throw LeftToDecoder() }
        return value
    }

    /// An optional member that is one of `Value`'s raw values: nil when it is absent or null.
    public mutating func optionalValue<Value: RawRepresentable<String>>(_ name: StaticString, as _: Value.Type) throws(LeftToDecoder) -> Value? {
        guard let text = optionalText(name) else { return nil }
        guard let value = Value(rawValue: text) else { throw LeftToDecoder() }
        return value
    }

    /// The member `name`'s value (nil inside when null), marked read; nil when it is absent.
    private mutating func take(_ name: StaticString) -> String?? {
        for index in members.indices where members[index].name.spells(name) {
            read |= 1 << index
            return .some(members[index].value)
        }
        return nil
    }
}
