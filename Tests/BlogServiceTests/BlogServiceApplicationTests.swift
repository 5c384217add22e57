import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing

@testable import BlogService

@Suite struct BlogServiceApplicationTests {
    @Test func theOperationalRoutesAnswer() async throws {
        try await BlogTestHarness().testWithAuthServer { client, _ in
            for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
                #expect(try await client.send(.get, path).status == .ok, "\(path)")
            }
            let unknown = try await client.send(.get, "/v1/unknown")
            #expect(unknown.status == .notFound)
            #expect(unknown.error?.code == .notFound)
        }
    }

    /// What a soak watches, read at each scrape: the process's memory and open files, and SQLite's.
    @Test func metricsReportTheProcessAndSQLiteMemory() async throws {
        try await BlogTestHarness().testWithAuthServer { client, _ in
            let metrics = try await client.send(.get, "/metrics").text
            for name in ["process_resident_memory_bytes", "process_open_fds", "sqlite_memory_used_bytes", "sqlite_memory_highwater_bytes"] {
                let value = try #require(prometheusValue(name, in: metrics), "\(name) in\n\(metrics)")
                #expect(value > 0, "\(name)")
            }
            let resident = prometheusValue("process_resident_memory_bytes", in: metrics) ?? 0
            let sqlite = prometheusValue("sqlite_memory_used_bytes", in: metrics) ?? 0
            #expect(sqlite < resident)
        }
    }

    @Test func itsDefaultsPointAtTheLocalAuthService() throws {
        let reader = try ConfigurationReader(environment: [:], arguments: [])
        let configuration = try BlogServiceConfiguration(reader, service: .init(
            reader, serviceName: BlogServiceConfiguration.serviceName, defaultPort: BlogServiceConfiguration.defaultPort))
        #expect(configuration.service.port == 8082)
        #expect(configuration.service.database == .sqlite(path: ".data/blog-service.sqlite"))
        #expect(configuration.tokens.jwksURL.absoluteString == "http://127.0.0.1:8081/.well-known/jwks.json")
        #expect(configuration.tokens.revocationsURL.absoluteString == "http://127.0.0.1:8081/.well-known/revocations")
        #expect(configuration.tokens.verifier.issuer == "http://127.0.0.1:8081")
        #expect(configuration.tokens.verifier.audience == "saas-api")
    }

    @Test func aBadJWKSURLStopsTheStartNamingTheVariable() throws {
        let reader = try ConfigurationReader(environment: ["AUTH_JWKS_URL": "not a url"], arguments: [])
        #expect(throws: ConfigurationError(variable: "AUTH_JWKS_URL", problem: "'not a url' is not an http or https URL")) {
            try BlogServiceConfiguration(reader, service: .init(reader, serviceName: "blog-service", defaultPort: 8082))
        }
    }
}
