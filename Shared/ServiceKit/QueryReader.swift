import Foundation
import Hummingbird

/// Reads a request's query parameters the one way every route does: each parameter parsed and checked
/// as it is asked for, every problem collected, and one 400 `validation_failed` naming them all at
/// `finish()`. An empty value is an absent one for text; for typed values (ids, times, choices) it
/// is a value that does not parse.
///
/// ```swift
/// var query = QueryReader(request)
/// let page = query.page()
/// let author = query.uuid("author", "must be a user id")
/// let status: Post.Status? = query.choice("status")
/// try query.finish()
/// ```
public struct QueryReader {
    private let request: Request
    private var validator = FieldValidator()

    public init(_ request: Request) {
        self.request = request
    }

    /// The raw value of `name`, when the query has it.
    public func raw(_ name: String) -> String? {
        request.uri.queryParameters[name[...]].map(String.init)
    }

    /// `limit` (1–100, default 20) and `cursor`.
    public mutating func page() -> PageRequest {
        do {
            return try PageRequest(limit: request.uri.queryParameters["limit"], cursor: request.uri.queryParameters["cursor"])
        } catch {
            for problem in error.details { validator.check(false, problem.field, problem.message) }
            return PageRequest()
        }
    }

    /// A value that `parse` reads, or nil (and `message` for `name`, made only then) when it does not.
    public mutating func value<Value>(_ name: String, _ message: @autoclosure () -> String, _ parse: (String) -> Value?) -> Value? {
        guard let text = raw(name) else { return nil }
        let value = parse(text)
        validator.check(value != nil, name, message())
        return value
    }

    public mutating func uuid(_ name: String, _ message: String = "must be a UUID") -> UUID? {
        value(name, message) { UUID(parsing: $0) }
    }

    /// An RFC 3339 timestamp.
    public mutating func timestamp(_ name: String) -> Date? {
        value(name, "must be an RFC 3339 timestamp") { Timestamp.parse($0) }
    }

    /// One of an enumeration's raw values: "must be draft or published".
    public mutating func choice<Value: RawRepresentable & CaseIterable>(_ name: String, as type: Value.Type = Value.self) -> Value?
    where Value.RawValue == String {
        value(name, "must be \(Self.listed(Value.allCases.map(\.rawValue)))") { Value(rawValue: $0) }
    }

    /// "a, b or c".
    private static func listed(_ names: [String]) -> String {
        names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
    }

    /// A text compared with stored texts: within `length`, no control character; empty is absent.
    public mutating func text(_ name: String, _ length: ClosedRange<Int>) -> String? {
        guard let text = raw(name), !text.isEmpty else { return nil }
        validator.checkText(text, name, length)
        return text
    }

    /// A search term (`q`): at most `SearchTerm.maximumLength` characters.
    public mutating func searchTerm(_ name: String = "q") -> String? {
        text(name, 1...SearchTerm.maximumLength)
    }

    /// Throws the 400 listing every problem met, if there is any.
    public func finish() throws(AppError) {
        try validator.finish()
    }
}
