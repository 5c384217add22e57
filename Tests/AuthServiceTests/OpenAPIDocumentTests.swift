import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import AuthService

@Suite struct OpenAPIDocumentTests {
    /// Every route of the router, as `METHOD /path/{id}`.
    static let routes: Set<String> = [
        "POST /v1/tenants", "GET /v1/tenants/current",
        "POST /v1/auth/register", "POST /v1/auth/login", "POST /v1/auth/refresh", "POST /v1/auth/logout",
        "POST /v1/auth/logout-all", "GET /v1/auth/me",
        "GET /v1/users", "POST /v1/users", "GET /v1/users/{id}", "PATCH /v1/users/{id}", "DELETE /v1/users/{id}",
        "GET /.well-known/jwks.json", "GET /.well-known/revocations",
        "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
    ]

    @Test func theServedDocumentIsOpenAPI31AndListsExactlyTheRoutes() async throws {
        try await AuthTestHarness().test { client in
            let response = try await client.send(.get, "/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
            #expect(documented == Self.routes)
        }
    }

    /// Each documented route is really there: it answers something other than the router's own 404 or 405.
    @Test func everyDocumentedRouteIsServed() async throws {
        try await AuthTestHarness().test { client in
            for route in Self.routes {
                let parts = route.split(separator: " ")
                let method = HTTPRequest.Method(rawValue: String(parts[0]))!
                let path = parts[1].replacingOccurrences(of: "{id}", with: UUID().lowercasedString)
                let response = try await client.send(method, path, body: method == .post || method == .patch ? json([:]) : nil)
                #expect(response.status != .methodNotAllowed, "\(route)")
                #expect(!(response.status == .notFound && response.error?.message == "Not found"), "\(route) is not routed")
            }
        }
    }

    /// And no method is served beyond the documented ones: the others answer 405.
    @Test func undocumentedMethodsAreNotServed() async throws {
        try await AuthTestHarness().test { client in
            let paths = Set(Self.routes.map { String($0.split(separator: " ")[1]) })
            for path in paths where !["/healthz", "/readyz", "/metrics", "/openapi.json"].contains(path) {
                for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] where !Self.routes.contains("\(method.rawValue) \(path)") {
                    let uri = path.replacingOccurrences(of: "{id}", with: UUID().lowercasedString)
                    let status = try await client.send(method, uri).status
                    #expect(status == .methodNotAllowed, "\(method) \(path)")
                }
            }
        }
    }

    @Test func everyReferenceResolves() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(AuthOpenAPIDocument.json.utf8)) as? [String: Any])
        let components = try #require(document["components"] as? [String: [String: Any]])
        let references = AuthOpenAPIDocument.json.matches(of: /"\$ref": "#\/components\/(\w+)\/(\w+)"/).map { (String($0.1), String($0.2)) }
        #expect(Set(references.map(\.0)) == ["schemas", "responses"])
        for (section, name) in references {
            #expect(components[section]?[name] != nil, "\(section)/\(name)")
        }
    }
}
