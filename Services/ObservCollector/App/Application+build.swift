import Hummingbird
import Logging
import ServiceKit

/// Builds the observ-collector: its router, its background services and the HTTP server, ready to run.
public func buildApplication(
    configuration: ObservCollectorConfiguration,
    logger: Logger = Logger(label: ObservCollectorConfiguration.serviceName),
    metrics: ServiceMetrics = ServiceMetrics()
) async throws -> some ApplicationProtocol {
    let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: metrics, readiness: {})
    router.addMethodNotAllowedRoutes()
    return Application(
        router: router,
        configuration: configuration.service.applicationConfiguration(serverName: ObservCollectorConfiguration.serviceName),
        logger: logger
    )
}
