import OpenAPIRuntime

// One import for a caller of the three services: their generated clients (each in its own module, as
// each has its own `Client`, `Components` and `Operations`: `AuthClient.Client`, `BlogClient.Client`,
// `CollectorClient.Client`), the AsyncHTTPClient transport, and `BearerToken`.
@_exported import AuthClient
@_exported import BlogClient
@_exported import CollectorClient
@_exported import OpenAPIAsyncHTTPClient
@_exported import OpenAPIRuntime

extension Configuration {
    /// The settings the services' APIs need: their timestamps are RFC 3339 with milliseconds
    /// (`2026-11-24T10:04:05.123Z`).
    public static var saas: Configuration { Configuration(dateTranscoder: .iso8601WithFractionalSeconds) }
}
