import Foundation

/// Completes a service's OpenAPI 3.1 document with what every service has in common, kept in
/// `openapi-common.json` beside this file (embedded at build time): the operational routes (`/healthz`,
/// `/readyz`, `/metrics`, `/openapi.json`), the contract's error body (`Error`), the error responses any
/// JSON route may give (`BadRequest`, `PayloadTooLarge`, `UnsupportedMediaType`, `Unauthorized`,
/// `InternalError`, `Unavailable`), the pagination parameters (`limit`, `cursor`) and bearer security (`bearerAuth`).
/// A service's own document refers to them by `$ref` and defines only its routes and schemas.
public enum OpenAPIDocument {
    /// The shared parts, as the file has them.
    public static var commonJSON: String { String(decoding: PackageResources.openapi_common_json, as: UTF8.self) }

    /// The service's document with the common parts added (the service's own win on a name clash), and
    /// on every operation of the service: the `X-Request-ID` header parameter, `InternalError` as its 500
    /// and `Unavailable` as its 503 (any route that reaches the database or the password hasher may answer
    /// 503 when over its limits: a statement over DATABASE_STATEMENT_TIMEOUT, a full hashing queue). Every
    /// response, the common ones included, has the `X-Request-ID` header.
    public static func assemble(_ serviceDocument: String) -> Data {
        guard var document = jsonObject(serviceDocument), let common = jsonObject(commonJSON) else {
            preconditionFailure("an OpenAPI document is not a JSON object")
        }
        var paths = document["paths"] as? [String: Any] ?? [:]
        for (path, item) in paths {
            guard var operations = item as? [String: Any] else { continue }
            for (method, value) in operations {
                guard var operation = value as? [String: Any], var responses = operation["responses"] as? [String: Any] else { continue }
                if responses["500"] == nil { responses["500"] = ["$ref": "#/components/responses/InternalError"] }
                if responses["503"] == nil { responses["503"] = ["$ref": "#/components/responses/Unavailable"] }
                operation["responses"] = responses
                operation["parameters"] = (operation["parameters"] as? [Any] ?? []) + [["$ref": "#/components/parameters/RequestID"]]
                operations[method] = operation
            }
            paths[path] = operations
        }
        paths.merge(common["paths"] as? [String: Any] ?? [:]) { own, _ in own }
        document["paths"] = paths.mapValues { item in
            (item as? [String: Any])?.mapValues { operation in
                guard var operation = operation as? [String: Any], let responses = operation["responses"] as? [String: Any] else { return operation }
                operation["responses"] = responses.mapValues(withRequestIDHeader)
                return operation
            } ?? item
        }
        var components = document["components"] as? [String: Any] ?? [:]
        for (section, entries) in common["components"] as? [String: [String: Any]] ?? [:] {
            var existing = components[section] as? [String: Any] ?? [:]
            existing.merge(entries) { own, _ in own }
            components[section] = existing
        }
        components["responses"] = (components["responses"] as? [String: Any])?.mapValues(withRequestIDHeader)
        document["components"] = components
        return try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// A response with the `X-Request-ID` header (a `$ref` is left as it is: what it names gets it).
    private static func withRequestIDHeader(_ value: Any) -> Any {
        guard var response = value as? [String: Any], response["$ref"] == nil else { return value }
        var headers = response["headers"] as? [String: Any] ?? [:]
        headers["X-Request-ID"] = headers["X-Request-ID"] ?? ["$ref": "#/components/headers/RequestID"]
        response["headers"] = headers
        return response
    }

    private static func jsonObject(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}
