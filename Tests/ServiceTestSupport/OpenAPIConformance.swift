import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Holds a response to its operation in a service's OpenAPI document: the status must be documented for
/// the operation, every header it documents as required must be there, the content type must be
/// one the response declares, and the body must match that
/// content's schema, with no member an object's schema does not list (a response with no content must
/// have no body). A request to a route the document
/// does not have must be answered with the contract's error body.
public struct OpenAPIConformance: Sendable {
    let document: JSONValue
    private let operations: [String: [(template: [Substring], responses: JSONValue)]]

    public init(document data: Data) throws {
        let document = try JSONValue.parse(data)
        var operations: [String: [(template: [Substring], responses: JSONValue)]] = [:]
        if case .object(let paths) = document["paths"] {
            for (path, item) in paths {
                guard case .object(let methods) = item else { continue }
                for (method, operation) in methods {
                    operations[method.uppercased(), default: []].append((path.split(separator: "/"), operation["responses"] ?? .null))
                }
            }
        }
        self.document = document
        self.operations = operations
    }

    /// Every way the response breaks the document; empty when it conforms.
    public func violations(method: HTTPRequest.Method, uri: String, response: TestResponse) -> [String] {
        // HEAD has no body to check, and a CORS preflight is answered by a middleware before any route.
        if method == .head || method == .options { return [] }
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let schemas = JSONSchemaCheck(document: document, closedObjects: true)
        guard let responses = operation(method.rawValue, path) else {
            return errorBodyViolations(response, schemas, "\(method) \(path) is not documented")
        }
        let status = String(response.status.code)
        let classKey = "\(response.status.code / 100)XX"
        guard let declared = responses[status] ?? responses[classKey] ?? responses["default"] else {
            return ["\(method) \(path): status \(status) is not documented"]
        }
        let described = declared["$ref"]?.string.flatMap(schemas.resolve) ?? declared
        // Every header the response documents as required (the contract's X-Request-ID on each) is there.
        if case .object(let headers) = described["headers"] {
            for (name, header) in headers.sorted(by: { $0.key < $1.key }) {
                let resolved = header["$ref"]?.string.flatMap(schemas.resolve) ?? header
                if resolved["required"] == .bool(true), HTTPField.Name(name).flatMap({ response.headers[$0] }) == nil {
                    return ["\(method) \(path) \(status): no \(name) header"]
                }
            }
        }
        let mediaType = response.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard case .object(let content) = described["content"], !content.isEmpty else {
            return response.body.readableBytes == 0 ? [] : ["\(method) \(path) \(status): a body where the document declares none"]
        }
        guard let mediaType, let media = content[mediaType] else {
            return ["\(method) \(path) \(status): content type \(mediaType ?? "none") is not one of \(content.keys.sorted())"]
        }
        guard let schema = media["schema"] else { return [] }
        guard mediaType.hasSuffix("json") else {
            return schemas.violations(of: .string(String(buffer: response.body)), against: schema).map { "\(method) \(path) \(status) \($0)" }
        }
        guard let body = try? JSONValue.parse(Data(buffer: response.body)) else {
            return ["\(method) \(path) \(status): the body is not JSON"]
        }
        return schemas.violations(of: body, against: schema).map { "\(method) \(path) \(status) body\($0)" }
    }

    /// The responses of the operation whose path template matches `path` (a literal segment beats a
    /// parameter, as in the router), or nil.
    func operation(_ method: String, _ path: String) -> JSONValue? {
        let segments = path.split(separator: "/")
        let candidates = (operations[method] ?? []).filter { candidate in
            candidate.template.count == segments.count
                && zip(candidate.template, segments).allSatisfy { template, segment in
                    (template.first == "{" && template.last == "}") || template == segment
                }
        }
        return candidates.max { $0.template.filter { $0.first != "{" }.count < $1.template.filter { $0.first != "{" }.count }?.responses
    }

    private func errorBodyViolations(_ response: TestResponse, _ schemas: JSONSchemaCheck, _ route: String) -> [String] {
        guard response.status.code >= 400 else { return ["\(route), yet answered \(response.status.code)"] }
        guard let body = try? JSONValue.parse(Data(buffer: response.body)) else { return ["\(route): \(response.status.code) without the error body"] }
        return schemas.violations(of: body, against: .object(["$ref": .string("#/components/schemas/Error")])).map { "\(route): \($0)" }
    }
}

/// A test client that holds every response to the service's OpenAPI document (`OpenAPIConformance`)
/// and records an issue for each violation: wrap the client of a router test in it, and a document that
/// drifts from the code fails the test that shows the drift.
public struct ConformingTestClient: TestClientProtocol {
    let client: any TestClientProtocol
    let conformance: OpenAPIConformance

    public init(_ client: any TestClientProtocol, document: Data) {
        self.client = client
        self.conformance = try! OpenAPIConformance(document: document)
    }

    public var port: Int? { client.port }

    public func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for violation in conformance.violations(method: method, uri: uri, response: response) {
            Issue.record("The response breaks the OpenAPI document: \(violation)\n\(String(buffer: response.body).prefix(500))")
        }
        return response
    }
}

extension ApplicationProtocol {
    /// `test(_:_:)` with every response held to the service's OpenAPI `document` (`ConformingTestClient`).
    public func test<Value>(
        _ testingSetup: TestingSetup, conformingTo document: Data, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await test(testingSetup) { client in try await body(ConformingTestClient(client, document: document)) }
    }
}
