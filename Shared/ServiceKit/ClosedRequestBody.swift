/// A request body that names all its fields: `ContractRequestDecoder` answers 400 for any other
/// top-level field, so that a misspelt `titel` is an error rather than silently ignored.
///
/// Conform by declaring the coding keys as `CaseIterable`:
/// ```swift
/// struct CreatePost: ClosedRequestBody {
///     var title: String
///     enum CodingKeys: CodingKey, CaseIterable { case title }
/// }
/// ```
public protocol ClosedRequestBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

/// The top-level keys of a JSON object, as the decoder's key strategy converted them.
struct JSONObjectKeys: Decodable {
    let keys: [String]

    private struct AnyKey: CodingKey {
        let stringValue: String
        let intValue: Int? = nil
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
    }
}

extension ClosedRequestBody {
    /// The fields of the body that it does not declare, in the wire's `snake_case`.
    static func unknownFields(among keys: [String]) -> [String] {
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        return keys.filter { !known.contains($0) }.map { AppError.fieldName([JSONPathKey($0)]) }.sorted()
    }
}

/// A coding key to name a field in an error.
struct JSONPathKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
