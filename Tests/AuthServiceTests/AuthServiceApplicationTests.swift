import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing

@testable import AuthService

@Suite struct AuthServiceApplicationTests {
    /// The test's database and keys, removed with the suite's instance (one a test).
    let folder = TemporaryFolder("auth-service")
    var configuration: AuthServiceConfiguration {
        AuthServiceConfiguration(
            service: ServiceConfiguration(port: 0, database: .sqlite(path: folder.path + "auth.sqlite")), signingKeyFile: folder.path + "keys.json")
    }

    @Test func theOperationalRoutesAnswer() async throws {
        try await buildApplication(configuration: configuration).test(.router, conformingTo: AuthOpenAPIDocument.assembled) { client in
            for path in ["/healthz", "/readyz", "/metrics"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .ok, "\(path)") }
            }
            try await client.execute(uri: "/v1/unknown", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try ContractJSON.makeDecoder().decode(ErrorBody.self, from: response.body)
                #expect(body.error.code == .notFound)
            }
        }
    }

    @Test func itListensOnItsDefaultPort() throws {
        let configuration = try AuthServiceConfiguration(ConfigurationReader(environment: [:], arguments: []), service: .init(
            ConfigurationReader(environment: [:], arguments: []), serviceName: AuthServiceConfiguration.serviceName,
            defaultPort: AuthServiceConfiguration.defaultPort))
        #expect(configuration.service.port == 8081)
        #expect(configuration.service.database == .sqlite(path: ".data/auth-service.sqlite"))
    }
}
