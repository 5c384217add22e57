import Foundation
import HTTPTypes
import Hummingbird

/// The web origins whose pages may call a service from a browser (CORS): `CORS_ALLOWED_ORIGINS`, a
/// comma-separated list of `scheme://host[:port]` (none by default: no page of another origin may).
/// A request from one of them gets `Access-Control-Allow-Origin` with its origin; a preflight
/// (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 with the methods and headers a
/// page may use. Any other origin gets no CORS header, so its page cannot read the answer. No
/// credentials (cookies) are ever allowed: the services take bearer tokens.
public struct AllowedOrigins: Sendable, Equatable {
    public let origins: Set<String>

    public init(_ origins: Set<String> = []) {
        self.origins = origins
    }

    /// Reads the list; an entry that is not an http(s) origin (a path, a wildcard, a trailing slash)
    /// is a configuration error naming it.
    public init(parsing text: String) throws(ConfigurationError) {
        var origins: Set<String> = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let url = URL(string: entry), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
            else {
                throw ConfigurationError(variable: "CORS_ALLOWED_ORIGINS", problem: "'\(entry)' is not an origin such as https://dashboard.example.com")
            }
            origins.insert("\(scheme)://\(host.lowercased())\(url.port.map { ":\($0)" } ?? "")")
        }
        self.origins = origins
    }

    public var isEmpty: Bool { origins.isEmpty }
}

extension AllowedOrigins {
    /// The request's `Origin` when it is one of these; nil otherwise (no CORS header is added).
    func allowedOrigin(of request: Request) -> String? {
        guard !origins.isEmpty, let origin = request.headers[.origin], origins.contains(origin) else { return nil }
        return origin
    }

    /// The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) from `origin`, an
    /// allowed one; nil for any other request, which goes on to the routes.
    static func preflightAnswer(to request: Request, from origin: String) -> Response? {
        guard request.method == .options, request.headers[.accessControlRequestMethod] != nil else { return nil }
        var headers = Self.headers(for: origin)
        headers[.accessControlAllowMethods] = "GET, POST, PATCH, DELETE"
        headers[.accessControlAllowHeaders] = "Authorization, Content-Type, X-Request-ID, traceparent"
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }

    /// What every answer to an allowed origin carries.
    static func headers(for origin: String) -> HTTPFields {
        [
            .accessControlAllowOrigin: origin, .vary: "Origin",
            .accessControlExposeHeaders: "X-Request-ID, traceparent, Retry-After, Location, ETag",
        ]
    }
}
