import Foundation

/// Completes a service's OpenAPI 3.1 document with what every service has in common: the operational
/// routes (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`), the contract's error body (`Error`),
/// and the error responses that any JSON route may give (`BadRequest`, `PayloadTooLarge`,
/// `UnsupportedMediaType`, `Unauthorized`, and `Unavailable`, which every operation gets). A service's own
/// document refers to them by `$ref` and defines only its routes and schemas.
public enum OpenAPIDocument {
    /// The service's document with the common parts added (the service's own win on a name clash).
    public static func assemble(_ serviceDocument: String) -> Data {
        guard var document = try? JSONSerialization.jsonObject(with: Data(serviceDocument.utf8)) as? [String: Any] else {
            preconditionFailure("a service's OpenAPI document is not a JSON object")
        }
        var paths = document["paths"] as? [String: Any] ?? [:]
        // Any route that reaches the database or the password hasher may answer 503 when it is over its
        // limits (a statement over DATABASE_STATEMENT_TIMEOUT, a full hashing queue).
        for (path, item) in paths {
            guard var operations = item as? [String: Any] else { continue }
            for (method, value) in operations {
                guard var operation = value as? [String: Any], var responses = operation["responses"] as? [String: Any],
                    responses["503"] == nil
                else { continue }
                responses["503"] = ["$ref": "#/components/responses/Unavailable"]
                operation["responses"] = responses
                operations[method] = operation
            }
            paths[path] = operations
        }
        paths.merge(operationalPaths) { own, _ in own }
        document["paths"] = paths
        var components = document["components"] as? [String: Any] ?? [:]
        for (section, entries) in commonComponents {
            var existing = components[section] as? [String: Any] ?? [:]
            existing.merge(entries) { own, _ in own }
            components[section] = existing
        }
        document["components"] = components
        return try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func schema(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    private static func errorResponse(_ description: String) -> [String: Any] {
        ["description": description, "content": ["application/json": ["schema": schema("Error")]]]
    }

    private static func operation(_ summary: String, _ id: String, _ responses: [String: Any]) -> [String: Any] {
        ["get": ["summary": summary, "operationId": id, "security": [] as [Any], "responses": responses]]
    }

    static var operationalPaths: [String: Any] {
        [
            "/healthz": operation("The process is alive", "health", [
                "200": ["description": "Alive", "content": ["application/json": ["schema": schema("Status")]]],
            ]),
            "/readyz": operation("The database answers", "ready", [
                "200": ["description": "Ready", "content": ["application/json": ["schema": schema("Status")]]],
                "503": errorResponse("Not ready (with `Retry-After`)"),
            ]),
            "/metrics": operation("Prometheus metrics", "metrics", [
                "200": ["description": "Prometheus text format", "content": ["text/plain": ["schema": ["type": "string"]]]],
            ]),
            "/openapi.json": operation("This document", "openapi", [
                "200": ["description": "OpenAPI 3.1", "content": ["application/json": ["schema": ["type": "object"]]]],
            ]),
        ]
    }

    static var commonComponents: [String: [String: Any]] {
        [
            "schemas": [
                "Status": [
                    "type": "object", "required": ["status"],
                    "properties": [
                        "status": ["type": "string"],
                        "schema_version": [
                            "type": "integer", "description": "`/readyz`: the version of the service's database schema (its migrations applied)",
                        ],
                        "warnings": [
                            "type": "array", "items": ["type": "string"],
                            "description": "`/readyz`: what a ready service still tells its operators (a stale revocation list)",
                        ],
                    ],
                ],
                "Error": [
                    "type": "object", "required": ["error"],
                    "properties": [
                        "error": [
                            "type": "object", "required": ["code", "message", "request_id"],
                            "properties": [
                                "code": ["type": "string", "enum": AppError.Code.allCases.map(\.rawValue)],
                                "message": ["type": "string"],
                                "request_id": ["type": "string", "description": "The request's `X-Request-ID`"],
                                "details": [
                                    "type": "array", "description": "Present for validation errors",
                                    "items": [
                                        "type": "object", "required": ["field", "message"],
                                        "properties": ["field": ["type": "string"], "message": ["type": "string"]],
                                    ],
                                ],
                            ],
                        ],
                    ],
                ],
            ],
            "responses": [
                "BadRequest": errorResponse("Malformed body, wrong type, unknown field or a rule broken (`details` names the fields)"),
                "PayloadTooLarge": errorResponse("The body is over the limit"),
                "UnsupportedMediaType": errorResponse("The body is not JSON"),
                "Unavailable": [
                    "description": "Over a limit for now (a query over its time limit, password hashing saturated, the service stopping): retry after `Retry-After` seconds",
                    "headers": ["Retry-After": ["schema": ["type": "integer"]]],
                    "content": ["application/json": ["schema": schema("Error")]],
                ],
                "Unauthorized": errorResponse(
                    "No access token (`WWW-Authenticate: Bearer`) or a refused one (`WWW-Authenticate: Bearer error=\"invalid_token\"`)"),
            ],
        ]
        }
    }
