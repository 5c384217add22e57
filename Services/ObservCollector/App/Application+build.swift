import DatabaseKit
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceKit
import TokenVerification

/// Builds the observ-collector: storage, the group-commit writer, ingest and query routes, retention,
/// ready to run.
public func buildApplication(
    configuration: ObservCollectorConfiguration,
    logger: Logger = Logger(label: ObservCollectorConfiguration.serviceName),
    metrics: ServiceMetrics = ServiceMetrics(),
    now: @escaping @Sendable () -> Date = { Date() }
) async throws -> some ApplicationProtocol {
    let database = try openDatabase(configuration.service.database, statementTimeout: configuration.service.statementTimeout)
    return try await buildApplication(
        configuration: configuration, store: SQLiteEventStore(database: database),
        tokens: .remote(configuration.tokens, metrics: metrics, logger: logger),
        readiness: { try await SQLiteDatabase.ping(database) }, logger: logger, metrics: metrics, now: now)
}

/// The collector on any event store and token verification: tests put a slow store in to fill the
/// queue, and verify admin tokens with keys in memory.
func buildApplication(
    configuration: ObservCollectorConfiguration,
    store: any EventStore,
    tokens: AccessTokenVerification,
    readiness: @escaping ReadinessCheck,
    logger: Logger,
    metrics: ServiceMetrics,
    now: @escaping @Sendable () -> Date
) async throws -> some ApplicationProtocol {
    if configuration.ingestKeys.isEmpty {
        logger.warning("INGEST_KEYS is empty: every ingest request will be refused")
    }
    let collectorMetrics = CollectorMetrics(
        metrics, maxTenants: configuration.metricsMaxTenants, maxRoutes: configuration.metricsMaxRoutes, now: now)
    let writer = EventWriter(store: store, capacity: configuration.queueCapacity, metrics: collectorMetrics, logger: logger)
    let retention = EventRetention(
        store: store, days: configuration.retentionDays, interval: configuration.retentionInterval, chunkSize: 5_000,
        pause: .milliseconds(20), now: now, logger: logger)

    let router = ServiceRouter.make(
        context: CollectorRequestContext.self, metrics: metrics, readiness: readiness, readinessWarnings: tokens.readinessWarnings,
        openAPIDocument: OpenAPIDocument.assemble(CollectorOpenAPIDocument.json))
    let quota = TenantIngestQuota(rate: configuration.tenantEventRate, burst: configuration.tenantEventBurst)
    IngestController(writer: writer, quota: quota, metrics: collectorMetrics, now: now)
        .addRoutes(to: router.group("/v1/events").add(middleware: IngestKeyAuthenticator(keys: configuration.ingestKeys)))
    EventQueryController(service: EventQueryService(store: store, now: now))
        .addRoutes(to: router.authenticated("/v1", by: BearerAuthenticator(verifier: tokens.verifier)))
    router.addMethodNotAllowedRoutes()

    return Application(
        router: router,
        server: configuration.service.httpServer,
        configuration: configuration.service.applicationConfiguration(serverName: ObservCollectorConfiguration.serviceName),
        // The server stops first (Hummingbird runs it after these), then the writer commits what is queued.
        services: [writer, retention] + tokens.services,
        logger: logger
    )
}

/// The collector database of `DATABASE_URL`, migrated.
func openDatabase(_ url: DatabaseURL, statementTimeout: Duration = SQLiteDatabase.defaultStatementTimeLimit) throws -> DatabasePool {
    guard case .sqlite(let path) = url else {
        throw ConfigurationError(variable: "DATABASE_URL", problem: "the collector does not store events in PostgreSQL yet; use sqlite:<path>")
    }
    return try SQLiteDatabase.open(path: path, migrator: CollectorSchema.migrator, cacheMiB: 64, statementTimeLimit: statementTimeout)
}
