import Foundation
import ObservCollector
import ServiceKit

MallocArenas.limitToCores(environment: ProcessInfo.processInfo.environment)
ServiceMain.runTasksOnEventLoops()
await ServiceMain.run(name: ObservCollectorConfiguration.serviceName, defaultPort: ObservCollectorConfiguration.defaultPort) { reader, common, logger, metrics in
    let configuration = try ObservCollectorConfiguration(reader, service: common)
    return try await buildApplication(configuration: configuration, logger: logger, metrics: metrics)
}
