import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Adds `Authorization: Bearer <token>` to every request of a client: an access token of the auth
/// service for the auth, blog and collector APIs, or an ingest key for the collector's `POST /v1/events`.
/// The token is read for each request, so that a caller can swap it when it refreshes.
public struct BearerToken: ClientMiddleware {
    let token: @Sendable () async throws -> String

    /// A token that does not change.
    public init(_ token: String) {
        self.token = { token }
    }

    /// A token read for each request (a session that refreshes its access token).
    public init(_ token: @escaping @Sendable () async throws -> String) {
        self.token = token
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(try await token())"
        return try await next(request, body, baseURL)
    }
}
