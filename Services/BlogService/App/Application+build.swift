import Hummingbird
import Logging
import ServiceKit

/// Builds the blog-service: its router, its background services and the HTTP server, ready to run.
public func buildApplication(
    configuration: BlogServiceConfiguration,
    logger: Logger = Logger(label: BlogServiceConfiguration.serviceName),
    metrics: ServiceMetrics = ServiceMetrics()
) async throws -> some ApplicationProtocol {
    let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: metrics, readiness: {})
    router.addMethodNotAllowedRoutes()
    return Application(
        router: router,
        configuration: configuration.service.applicationConfiguration(serverName: BlogServiceConfiguration.serviceName),
        logger: logger
    )
}
