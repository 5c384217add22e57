import Foundation

/// A JSON value as parsed from a document or a response body, booleans and numbers kept apart.
///
/// Parsed by `JSONSerialization`, not by `Decodable`: decoding an unknown value means trying each
/// type in turn, and each wrong guess throws, which in a test process captures a backtrace. A document
/// took seconds of CPU that way, for each of the 180 router tests, enough to starve the suite's
/// other tests on a 2-core machine.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONValue(JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed))
    }

    /// From what `JSONSerialization` made: an `NSNumber` of a JSON `true` or `false` has the
    /// Objective-C type `c` (a char), which no JSON number is given.
    private init(_ object: Any) {
        switch object {
        case let string as String: self = .string(string)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c": self = .bool(number.boolValue)
            case "d", "f": self = .number(number.doubleValue)
            default: self = .integer(number.int64Value)
            }
        case let array as [Any]: self = .array(array.map(JSONValue.init))
        case let members as [String: Any]: self = .object(members.mapValues(JSONValue.init))
        default: self = .null
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    public var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The JSON Schema type names this value has (an integer is also a number).
    var typeNames: Set<String> {
        switch self {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .integer: ["integer", "number"]
        case .number(let value): value.rounded() == value ? ["integer", "number"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }
}

/// Checks a JSON value against a schema of an OpenAPI 3.1 document (JSON Schema 2020-12): the keywords
/// our documents use. A keyword it does not know is reported as a violation, so that a schema never
/// passes for want of a check.
public struct JSONSchemaCheck {
    /// The whole document, for `$ref`s of the form `#/components/schemas/Name`.
    let document: JSONValue
    /// Whether an object schema with `properties` and no `additionalProperties` refuses other members
    /// (JSON Schema allows them): a response field the document does not mention is drift too.
    let closedObjects: Bool

    static let annotations: Set<String> = ["description", "default", "title", "examples", "deprecated", "readOnly", "writeOnly"]

    public init(document: JSONValue, closedObjects: Bool = false) {
        self.document = document
        self.closedObjects = closedObjects
    }

    /// Every way `value` breaks `schema`, each as `pointer: problem`.
    public func violations(of value: JSONValue, against schema: JSONValue, at pointer: String = "") -> [String] {
        violations(of: value, against: schema, at: pointer, closed: closedObjects)
    }

    /// `closed`: whether this schema is the whole description of an object (not one part of an `allOf`).
    func violations(of value: JSONValue, against schema: JSONValue, at pointer: String, closed: Bool) -> [String] {
        guard case .object(let keywords) = schema else {
            return schema == .bool(true) ? [] : ["\(pointer): the schema \(schema) allows nothing"]
        }
        var found: [String] = []
        func fail(_ problem: String) { found.append("\(pointer.isEmpty ? "/" : pointer): \(problem)") }

        for (keyword, argument) in keywords.sorted(by: { $0.key < $1.key }) {
            switch keyword {
            case "$ref":
                guard let target = argument.string.flatMap(resolve) else { fail("unresolved $ref \(argument)"); continue }
                found += violations(of: value, against: target, at: pointer, closed: closed)
            case "type":
                let allowed: Set<String> = switch argument {
                case .string(let name): [name]
                case .array(let names): Set(names.compactMap(\.string))
                default: []
                }
                if allowed.isDisjoint(with: value.typeNames) { fail("\(value) is not of type \(allowed.sorted().joined(separator: " or "))") }
            case "enum":
                if case .array(let choices) = argument, !choices.contains(value) { fail("\(value) is not one of \(choices)") }
            case "const":
                if value != argument { fail("\(value) is not \(argument)") }
            case "properties":
                guard case .object(let members) = value, case .object(let properties) = argument else { continue }
                for (name, propertySchema) in properties.sorted(by: { $0.key < $1.key }) {
                    if let member = members[name] { found += violations(of: member, against: propertySchema, at: "\(pointer)/\(name)") }
                }
            case "required":
                guard case .object(let members) = value, case .array(let names) = argument else { continue }
                for name in names.compactMap(\.string) where members[name] == nil { fail("`\(name)` is missing") }
            case "additionalProperties":
                guard case .object(let members) = value else { continue }
                var declared: Set<String> = []
                if case .object(let properties) = keywords["properties"] { declared = Set(properties.keys) }
                for (name, member) in members.sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
                    if argument == .bool(false) {
                        fail("`\(name)` is not a documented property")
                    } else {
                        found += violations(of: member, against: argument, at: "\(pointer)/\(name)")
                    }
                }
            case "items":
                guard case .array(let elements) = value else { continue }
                for (index, element) in elements.enumerated() { found += violations(of: element, against: argument, at: "\(pointer)/\(index)") }
            case "minItems", "maxItems":
                guard case .array(let elements) = value, let bound = argument.number else { continue }
                if keyword == "minItems" ? Double(elements.count) < bound : Double(elements.count) > bound { fail("\(elements.count) items breaks \(keyword) \(argument)") }
            case "minLength", "maxLength":
                guard let text = value.string, let bound = argument.number else { continue }
                let length = Double(text.unicodeScalars.count)
                if keyword == "minLength" ? length < bound : length > bound { fail("length \(Int(length)) breaks \(keyword) \(argument)") }
            case "minimum", "maximum":
                guard let number = value.number, let bound = argument.number else { continue }
                if keyword == "minimum" ? number < bound : number > bound { fail("\(number) breaks \(keyword) \(argument)") }
            case "pattern":
                guard let text = value.string, let pattern = argument.string else { continue }
                guard let regex = try? NSRegularExpression(pattern: pattern) else { fail("the pattern \(pattern) does not compile"); continue }
                if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil { fail("\(value) does not match \(pattern)") }
            case "format":
                guard let text = value.string, let format = argument.string else { continue }
                if let problem = Self.formatProblem(text, format) { fail(problem) }
            case "anyOf", "oneOf":
                guard case .array(let choices) = argument else { fail("\(keyword) is not an array"); continue }
                let matching = choices.filter { violations(of: value, against: $0, at: pointer).isEmpty }.count
                if matching == 0 || (keyword == "oneOf" && matching > 1) { fail("\(value) matches \(matching) of the \(keyword) schemas") }
            case "allOf":
                guard case .array(let parts) = argument else { fail("allOf is not an array"); continue }
                for part in parts { found += violations(of: value, against: part, at: pointer, closed: false) }
            case _ where Self.annotations.contains(keyword):
                continue
            default:
                fail("the schema keyword `\(keyword)` is not checked by JSONSchemaCheck")
            }
        }
        if closed, case .object(let members) = value, keywords["additionalProperties"] == nil,
            keywords["properties"] != nil || keywords["allOf"] != nil
        {
            let declared = declaredProperties(schema)
            for name in members.keys.sorted() where !declared.contains(name) { fail("`\(name)` is not a documented property") }
        }
        return found
    }

    /// The property names a schema lists, its `allOf` parts' and `$ref`s' included.
    func declaredProperties(_ schema: JSONValue) -> Set<String> {
        var names: Set<String> = []
        if case .object(let properties) = schema["properties"] { names.formUnion(properties.keys) }
        if let target = schema["$ref"]?.string.flatMap(resolve) { names.formUnion(declaredProperties(target)) }
        if case .array(let parts) = schema["allOf"] { for part in parts { names.formUnion(declaredProperties(part)) } }
        return names
    }

    /// The value a local `$ref` (`#/a/b`) points at.
    public func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = node?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return node
    }

    static func formatProblem(_ text: String, _ format: String) -> String? {
        switch format {
        case "uuid":
            UUID(uuidString: text) == nil ? "\(text) is not a uuid" : nil
        case "date-time":
            (try? dateTime.wholeMatch(in: text)) == nil ? "\(text) is not an RFC 3339 date-time" : nil
        default:
            "the format `\(format)` is not checked by JSONSchemaCheck"
        }
    }

    /// Built once: a regex literal is built again at each use, which costs more than the match.
    nonisolated(unsafe) static let dateTime = /\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})/
}
