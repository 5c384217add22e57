import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

/// Holds a service's OpenAPI document to its router: the document lists exactly `routes`, each is
/// served (not the router's own 404 or 405), the other methods of each path are 405, and every `$ref`
/// resolves.
public struct OpenAPIRouteCheck: Sendable {
    /// Every route as `METHOD /path/{id}`.
    public let routes: Set<String>

    public init(routes: Set<String>) {
        self.routes = routes
    }

    /// The document's routes, as `METHOD /path`.
    public static func documentedRoutes(_ document: [String: Any]) -> Set<String> {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }

    public func check(_ client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await client.send(.get, "/openapi.json")
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0", sourceLocation: sourceLocation)
        #expect(Self.documentedRoutes(document) == routes, sourceLocation: sourceLocation)

        for route in routes {
            let parts = route.split(separator: " ")
            let method = HTTPRequest.Method(rawValue: String(parts[0]))!
            let path = parts[1].replacingOccurrences(of: "{id}", with: UUID().lowercasedString)
            let answer = try await client.send(method, path, body: method == .post || method == .patch ? json([:]) : nil)
            #expect(answer.status != .methodNotAllowed, "\(route)", sourceLocation: sourceLocation)
            #expect(!(answer.status == .notFound && answer.error?.message == "Not found"), "\(route) is not routed", sourceLocation: sourceLocation)
        }
        let operational: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.json"]
        for path in Set(routes.map { String($0.split(separator: " ")[1]) }) where !operational.contains(path) {
            for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] where !routes.contains("\(method.rawValue) \(path)") {
                let status = try await client.send(method, path.replacingOccurrences(of: "{id}", with: UUID().lowercasedString)).status
                #expect(status == .methodNotAllowed, "\(method) \(path)", sourceLocation: sourceLocation)
            }
        }

        let text = String(buffer: response.body)
        let components = document["components"] as? [String: [String: Any]] ?? [:]
        for match in text.matches(of: /"\$ref": ?"#\/components\/(\w+)\/(\w+)"/) {
            #expect(components[String(match.1)]?[String(match.2)] != nil, "\(match.1)/\(match.2)", sourceLocation: sourceLocation)
        }
    }
}
