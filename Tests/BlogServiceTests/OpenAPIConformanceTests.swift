import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceTestSupport
import Testing

@testable import BlogService

/// The check every router test's responses go through (`ConformingTestClient`) finds a document that
/// drifts from the code: each of these fixtures is the blog's document with one thing made wrong, and
/// real responses of the blog break it, while they conform to the true document.
@Suite struct OpenAPIConformanceTests {
    /// The blog's document with `change` applied to its JSON.
    func document(_ change: (inout [String: Any]) -> Void) throws -> OpenAPIConformance {
        var object = try #require(try JSONSerialization.jsonObject(with: BlogOpenAPIDocument.assembled) as? [String: Any])
        change(&object)
        return try OpenAPIConformance(document: JSONSerialization.data(withJSONObject: object))
    }

    /// Sets `value` at a path of keys in nested dictionaries.
    static func set(_ value: Any?, at keys: [String], in object: inout [String: Any]) {
        guard let first = keys.first else { return }
        if keys.count == 1 {
            object[first] = value
        } else {
            var inner = object[first] as? [String: Any] ?? [:]
            set(value, at: Array(keys.dropFirst()), in: &inner)
            object[first] = inner
        }
    }

    @Test func wrongSchemasStatusesAndContentTypesAreFound() async throws {
        let harness = BlogTestHarness()
        let truth = try OpenAPIConformance(document: BlogOpenAPIDocument.assembled)
        let titleIsANumber = try document { Self.set(["type": "integer"], at: ["components", "schemas", "Post", "properties", "title"], in: &$0) }
        let noAuthorID = try document { Self.set(nil, at: ["components", "schemas", "Post", "properties", "author_id"], in: &$0) }
        let no404 = try document { Self.set(nil, at: ["paths", "/v1/posts/{id}", "get", "responses", "404"], in: &$0) }
        let textOnly = try document {
            Self.set(["text/plain": ["schema": ["type": "string"]]], at: ["paths", "/v1/posts", "post", "responses", "201", "content"], in: &$0)
        }
        let requiredHeader = try document {
            Self.set(["required": true, "schema": ["type": "string"]], at: ["paths", "/v1/posts", "post", "responses", "201", "headers", "X-Missing"], in: &$0)
        }
        let longerCode = try document {
            Self.set(["type": "string", "minLength": 100], at: ["components", "schemas", "Error", "properties", "error", "properties", "code"], in: &$0)
        }

        try await harness.test { client in
            let token = try await harness.token(harness.identity())
            let created = try await client.send(.post, "/v1/posts", token: token, body: json(["title": "A title", "content": "Text"]))
            let missing = try await client.send(.get, "/v1/posts/\(UUID().uuidString.lowercased())", token: token)
            let page = try await client.send(.get, "/v1/posts", token: token)
            #expect(created.status == .created && missing.status == .notFound && page.status == .ok)

            for (method, uri, response) in [(HTTPRequest.Method.post, "/v1/posts", created), (.get, "/v1/posts/x", missing), (.get, "/v1/posts", page)] {
                #expect(truth.violations(method: method, uri: uri, response: response) == [], "\(method) \(uri)")
            }
            #expect(titleIsANumber.violations(method: .post, uri: "/v1/posts", response: created) == [
                #"POST /v1/posts 201 body/title: string("A title") is not of type integer"#,
            ])
            #expect(titleIsANumber.violations(method: .get, uri: "/v1/posts?limit=5", response: page) == [
                #"GET /v1/posts 200 body/items/0/title: string("A title") is not of type integer"#,
            ])
            #expect(noAuthorID.violations(method: .post, uri: "/v1/posts", response: created) == [
                "POST /v1/posts 201 body/: `author_id` is not a documented property",
            ])
            #expect(no404.violations(method: .get, uri: "/v1/posts/x", response: missing) == ["GET /v1/posts/x: status 404 is not documented"])
            #expect(textOnly.violations(method: .post, uri: "/v1/posts", response: created) == [
                #"POST /v1/posts 201: content type application/json is not one of ["text/plain"]"#,
            ])
            #expect(requiredHeader.violations(method: .post, uri: "/v1/posts", response: created) == ["POST /v1/posts 201: no X-Missing header"])
            #expect(longerCode.violations(method: .get, uri: "/v1/posts/x", response: missing) == [
                "GET /v1/posts/x 404 body/error/code: length 9 breaks minLength integer(100)",
            ])
            // A route the document does not have must still answer with the contract's error body.
            let unknown = try await client.send(.get, "/v1/nothing-here", token: token)
            #expect(truth.violations(method: .get, uri: "/v1/nothing-here", response: unknown) == [])
        }
    }

    @Test func aSchemaKeywordTheCheckDoesNotKnowIsReportedNotPassed() throws {
        let check = JSONSchemaCheck(document: .object([:]))
        #expect(check.violations(of: .string("x"), against: .object(["type": .string("string"), "contentEncoding": .string("base64")])) == [
            "/: the schema keyword `contentEncoding` is not checked by JSONSchemaCheck",
        ])
        #expect(check.violations(of: .integer(3), against: .object(["type": .array([.string("string"), .string("null")])])) == [
            "/: integer(3) is not of type null or string",
        ])
        #expect(check.violations(of: .bool(true), against: .object(["type": .string("integer")])) == ["/: bool(true) is not of type integer"])
    }

    @Test func formatsAreCheckedAndParsedValuesKeepTheirJSONTypes() throws {
        let check = JSONSchemaCheck(document: .object([:]))
        func problems(_ text: String, _ format: String) -> [String] {
            check.violations(of: .string(text), against: .object(["type": .string("string"), "format": .string(format)]))
        }
        #expect(problems("0b7c3a52-6f0e-4c5e-9a0f-3c1d2e4f5a6b", "uuid") == [])
        #expect(problems("0b7c3a52-6f0e-4c5e-9a0f-3c1d2e4f5a6", "uuid") == ["/: 0b7c3a52-6f0e-4c5e-9a0f-3c1d2e4f5a6 is not a uuid"])
        #expect(problems("2026-11-24T13:05:00.123Z", "date-time") == [])
        #expect(problems("2026-11-24T13:05:00+01:00", "date-time") == [])
        #expect(problems("2026-11-24 13:05", "date-time") == ["/: 2026-11-24 13:05 is not an RFC 3339 date-time"])

        let parsed = try JSONValue.parse(Data(#"{"a": true, "b": 1, "c": 1.5, "d": null, "e": ["x", false, 0]}"#.utf8))
        #expect(parsed == .object([
            "a": .bool(true), "b": .integer(1), "c": .number(1.5), "d": .null, "e": .array([.string("x"), .bool(false), .integer(0)]),
        ]))
    }
}
