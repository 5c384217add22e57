import Foundation
import Hummingbird

/// Decodes request bodies as the contract's JSON: the body must say it is JSON (else 415), fit in
/// the context's `maxUploadSize` (else 413) and decode (else 400 with the failing field in `details`).
/// A `ClosedRequestBody` is also refused (400) when it carries a field it does not declare. A plainly
/// valid `FlatRequestBody` is read without `JSONDecoder`.
public struct ContractRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        guard let contentType = request.headers[.contentType], MediaType(from: contentType)?.isJSON == true else {
            throw AppError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        if let flat = T.self as? any FlatRequestBody.Type, let body = buffer.withUnsafeReadableBytes({ flat.read($0) }) as? T {
            return body
        }
        let decoder = ContractJSON.makeDecoder()
        do {
            return try decoder.decode(CheckedRequestBody<T>.self, from: buffer).body
        } catch let error as DecodingError {
            throw AppError(decoding: error)
        }
    }
}

/// Encodes response bodies as the contract's JSON.
public struct ContractResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try Response.json(value)
    }
}

extension Response {
    /// A JSON response in the contract's encoding.
    /// Written by `ContractJSONWriter`; by Foundation's encoder for a value the streaming writer cannot
    /// write (the same JSON, with sorted keys).
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let body: ByteBuffer
        do {
            body = ByteBuffer(bytes: try ContractJSONWriter.encode(value))
        } catch is ContractJSONWriter.Unsupported {
            body = ByteBuffer(data: try ContractJSON.makeEncoder().encode(value))
        }
        return jsonResponse(body, status: status, headers: headers)
    }

    /// A response of JSON `body`, with its content type and length.
    static func jsonResponse(_ body: ByteBuffer, status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }
}

extension MediaType {
    /// `application/json` or any `application/*+json`.
    var isJSON: Bool {
        type == .application && (subType == "json" || subType.hasSuffix("+json"))
    }
}

extension AppError {
    /// A decoding failure as the contract's 400: malformed JSON is `bad_request`; a missing field, a wrong
    /// type or an unknown enum value is `validation_failed` naming the field.
    public init(decoding error: DecodingError) {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self = .badRequest("The body is not valid JSON")
        case .keyNotFound(let key, let context):
            self = .validationFailed([FieldError(field: Self.fieldName(context.codingPath + [key]), message: "is required")])
        case .valueNotFound(_, let context):
            self = .validationFailed([FieldError(field: Self.fieldName(context.codingPath), message: "must not be null")])
        case .typeMismatch(let type, let context):
            let field = Self.fieldName(context.codingPath)
            self = field.isEmpty
                ? .badRequest("The body must be a JSON object")
                : .validationFailed([FieldError(field: field, message: "must be \(Self.describe(type))")])
        case .dataCorrupted(let context):
            self = .validationFailed([FieldError(field: Self.fieldName(context.codingPath), message: "has an invalid value")])
        @unknown default:
            self = .badRequest("The body could not be read")
        }
    }

    /// `items[3].createdAt` → `items[3].created_at`.
    static func fieldName(_ path: [any CodingKey]) -> String {
        var name = ""
        for key in path {
            if let index = key.intValue {
                name += "[\(index)]"
            } else {
                if !name.isEmpty { name += "." }
                name += snakeCased(key.stringValue)
            }
        }
        return name
    }

    private static func snakeCased(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                if !result.isEmpty { result += "_" }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default: "of another type"
        }
    }
}
