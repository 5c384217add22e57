import BlogService
import ServiceKit

ServiceMain.runTasksOnEventLoops()
await ServiceMain.run(name: BlogServiceConfiguration.serviceName, defaultPort: BlogServiceConfiguration.defaultPort) { reader, common, logger, metrics in
    let configuration = try BlogServiceConfiguration(reader, service: common)
    return try await buildApplication(configuration: configuration, logger: logger, metrics: metrics)
}
