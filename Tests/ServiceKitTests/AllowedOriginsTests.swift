import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ServiceKit

/// CORS for the configured origins only: a page of another origin gets no header it could use.
@Suite struct AllowedOriginsTests {
    @Test func theListTakesOriginsAndRefusesAnythingElse() throws {
        let origins = try AllowedOrigins(parsing: " https://Dash.example.com , http://127.0.0.1:8083,")
        #expect(origins.origins == ["https://dash.example.com", "http://127.0.0.1:8083"])
        #expect(try AllowedOrigins(parsing: "").isEmpty)
        for bad in ["*", "dash.example.com", "https://dash.example.com/", "https://dash.example.com/page", "ftp://x.example.com", "https://a.example.com?x=1"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try AllowedOrigins(parsing: bad) }
        }
    }

    @Test func onlyAnAllowedOriginGetsTheHeadersAndItsPreflightAnswered() async throws {
        let router = ServiceRouter.make(
            context: BasicServiceRequestContext.self, metrics: ServiceMetrics(), readiness: { 1 },
            allowedOrigins: AllowedOrigins(["http://127.0.0.1:8083"]))
        router.post("/v1/login") { _, _ -> Response in throw AppError(.authenticationFailed, "no") }
        router.addMethodNotAllowedRoutes()
        try await Application(router: router).test(.router) { client in
            let preflight = try await client.execute(uri: "/v1/login", method: .options, headers: [
                .origin: "http://127.0.0.1:8083", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://127.0.0.1:8083")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Content-Type") == true)
            // Answered before the trace is started, with its request id.
            #expect(preflight.headers[.requestID]?.isEmpty == false)
            #expect(preflight.headers[.traceparent] == nil)

            // An error answer carries them too: the page must read its 401.
            let refused = try await client.execute(uri: "/v1/login", method: .post, headers: [.origin: "http://127.0.0.1:8083"])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.accessControlAllowOrigin] == "http://127.0.0.1:8083")
            #expect(refused.headers[.vary] == "Origin")
            #expect(refused.headers[.accessControlAllowCredentials] == nil, "never credentials")
            #expect(refused.headers[.requestID]?.isEmpty == false && refused.headers[.traceparent] != nil)

            let stranger = try await client.execute(uri: "/v1/login", method: .post, headers: [.origin: "https://evil.example.com"])
            #expect(stranger.headers[.accessControlAllowOrigin] == nil)
            let strangerPreflight = try await client.execute(uri: "/v1/login", method: .options, headers: [
                .origin: "https://evil.example.com", .accessControlRequestMethod: "POST",
            ])
            #expect(strangerPreflight.status == .methodNotAllowed && strangerPreflight.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
