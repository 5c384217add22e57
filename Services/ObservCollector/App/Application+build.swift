import DatabaseKit
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceKit
import ServiceLifecycle
import TokenVerification

/// Builds the observ-collector: storage, the group-commit writer, ingest and query routes, retention,
/// ready to run.
public func buildApplication(
    configuration: ObservCollectorConfiguration,
    logger: Logger = Logger(label: ObservCollectorConfiguration.serviceName),
    metrics: ServiceMetrics = ServiceMetrics(),
    now: @escaping @Sendable () -> Date = { Date() }
) async throws -> some ApplicationProtocol {
    let database = try openDatabase(configuration.service, logger: logger)
    database.reportMemory(to: metrics)
    return try await buildApplication(
        configuration: configuration, store: eventStore(on: database, logger: logger), quota: ingestQuota(on: database, configuration, logger: logger),
        tokens: .remote(configuration.tokens, metrics: metrics, logger: logger),
        readiness: database.readiness, databaseServices: database.services(logger: logger), logger: logger, metrics: metrics, now: now)
}

/// The collector on any event store and token verification: tests put a slow store in to fill the
/// queue, and verify admin tokens with keys in memory. The quota is kept in memory unless given.
func buildApplication(
    configuration: ObservCollectorConfiguration,
    store: any EventStore,
    quota: (any IngestQuota)? = nil,
    tokens: AccessTokenVerification,
    readiness: @escaping ReadinessCheck,
    databaseServices: [any Service] = [],
    logger: Logger,
    metrics: ServiceMetrics,
    now: @escaping @Sendable () -> Date
) async throws -> some ApplicationProtocol {
    if configuration.ingestKeys.isEmpty {
        logger.warning("INGEST_KEYS is empty: every ingest request will be refused")
    }
    let collectorMetrics = CollectorMetrics(
        metrics, maxTenants: configuration.metricsMaxTenants, maxRoutes: configuration.metricsMaxRoutes, now: now)
    let quota = quota ?? TenantIngestQuota(rate: configuration.tenantEventRate, burst: configuration.tenantEventBurst)
    let writer = EventWriter(
        store: store, quota: quota, capacity: configuration.queueCapacity, maximumTransactionBytes: configuration.admittedBytes / 2,
        metrics: collectorMetrics, logger: logger, now: now)
    let retention = EventRetention(
        store: store, quota: quota, days: configuration.retentionDays, interval: configuration.retentionInterval, chunkSize: 5_000,
        pause: .milliseconds(20), now: now, logger: logger)

    let router = ServiceRouter.make(
        context: CollectorRequestContext.self, metrics: metrics, readiness: readiness, readinessWarnings: tokens.readinessWarnings,
        openAPIDocument: CollectorOpenAPIDocument.assembled)
    IngestController(writer: writer, admission: IngestAdmission(budget: configuration.admittedBytes), metrics: collectorMetrics, now: now)
        .addRoutes(to: router.group("/v1/events").add(middleware: IngestKeyAuthenticator(keys: configuration.ingestKeys)))
    EventQueryController(service: EventQueryService(store: store, now: now))
        .addRoutes(to: router.authenticated("/v1", by: BearerAuthenticator(verifier: tokens.verifier)))
    DashboardController(authURL: configuration.dashboardAuthURL).addRoutes(to: router)
    router.addMethodNotAllowedRoutes()

    return ServiceApplication(Application(
        router: router,
        server: configuration.service.httpServer,
        configuration: configuration.service.applicationConfiguration(serverName: ObservCollectorConfiguration.serviceName),
        // The server stops first (Hummingbird runs it after these), then the writer commits what is queued.
        services: databaseServices + [writer, retention, ReadinessMonitor(readiness, metrics: metrics, logger: logger)] + tokens.services,
        logger: logger
    ))
}

/// The collector database of `DATABASE_URL`: SQLite migrated, or PostgreSQL to migrate once it answers.
/// The writer's page cache is SQLite's usual 16 MiB: 64 MiB stored no more events a second (`make bench`)
/// and kept growing the process for minutes as the database grew (`make verify`'s soak).
func openDatabase(_ configuration: ServiceConfiguration, logger: Logger) throws -> ServiceDatabase {
    try ServiceDatabase(
        configuration, name: ObservCollectorConfiguration.serviceName, sqlite: CollectorSchema.migrator, postgres: CollectorSchema.postgres,
        logger: logger)
}

/// The event store of the database.
func eventStore(on database: ServiceDatabase, logger: Logger) -> any EventStore {
    switch database {
    case .sqlite(let pool): SQLiteEventStore(database: pool)
    case .postgres(let database): PostgresEventStore(database: database, logger: logger)
    }
}

/// The tenants' ingest quota: in memory for SQLite (one process writes it), in the database for
/// PostgreSQL (replicas share it).
func ingestQuota(on database: ServiceDatabase, _ configuration: ObservCollectorConfiguration, logger: Logger) -> any IngestQuota {
    switch database {
    case .sqlite: TenantIngestQuota(rate: configuration.tenantEventRate, burst: configuration.tenantEventBurst)
    case .postgres(let database):
        PostgresIngestQuota(rate: configuration.tenantEventRate, burst: configuration.tenantEventBurst, database: database, logger: logger)
    }
}

/// The SQLite database at `path`, migrated: what tests open beside the service to look at its rows.
func openSQLiteDatabase(path: String, statementTimeout: Duration = SQLiteDatabase.defaultStatementTimeLimit) throws -> DatabasePool {
    try SQLiteDatabase.open(path: path, migrator: CollectorSchema.migrator, statementTimeLimit: statementTimeout)
}
