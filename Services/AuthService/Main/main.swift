import AuthService
import ServiceKit

await ServiceMain.run(name: AuthServiceConfiguration.serviceName, defaultPort: AuthServiceConfiguration.defaultPort) { reader, common, logger, metrics in
    let configuration = try AuthServiceConfiguration(reader, service: common)
    return try await buildApplication(configuration: configuration, logger: logger, metrics: metrics)
}
