import DatabaseKit
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceKit
import TokenVerification

/// Builds the blog-service: storage, token verification against the auth service, routes and
/// background work, ready to run.
public func buildApplication(
    configuration: BlogServiceConfiguration,
    logger: Logger = Logger(label: BlogServiceConfiguration.serviceName),
    metrics: ServiceMetrics = ServiceMetrics(),
    now: @escaping @Sendable () -> Date = { Date() }
) async throws -> some ApplicationProtocol {
    let database = try openDatabase(configuration.service, logger: logger)
    database.reportMemory(to: metrics)
    let tokens = AccessTokenVerification.remote(configuration.tokens, metrics: metrics, logger: logger)

    let shipping = EventShipping(
        settings: configuration.events, serviceName: BlogServiceConfiguration.serviceName,
        trustedProxies: configuration.service.trustedProxies, metrics: metrics, logger: logger)
    let router = buildRouter(
        posts: postRepository(on: database, logger: logger), verifier: tokens.verifier, metrics: metrics,
        readiness: database.readiness, readinessWarnings: tokens.readinessWarnings,
        events: shipping.events, now: now)

    return ServiceApplication(Application(
        router: router,
        server: configuration.service.httpServer,
        configuration: configuration.service.applicationConfiguration(serverName: BlogServiceConfiguration.serviceName),
        // Stopped in reverse: the server first, then the shipper flushes what the last requests reported.
        services: database.services(logger: logger) + [ReadinessMonitor(database.readiness, metrics: metrics, logger: logger)] + tokens.services
            + shipping.services,
        logger: logger
    ))
}

/// The blog's routes on a post store and a token verifier, behind ServiceKit's middlewares: what
/// `buildApplication` serves, and what router tests call with in-memory keys (no JWKS server).
func buildRouter(
    posts: any PostRepository,
    verifier: AccessTokenVerifier,
    metrics: ServiceMetrics,
    readiness: @escaping ReadinessCheck,
    readinessWarnings: @escaping ReadinessWarnings = { [] },
    events: RequestEvents? = nil,
    now: @escaping @Sendable () -> Date = { Date() }
) -> Router<TenantRequestContext> {
    let router = ServiceRouter.make(
        context: TenantRequestContext.self, metrics: metrics, readiness: readiness, readinessWarnings: readinessWarnings,
        openAPIDocument: BlogOpenAPIDocument.assembled, events: events)
    PostController(service: PostService(posts: posts, now: now))
        .addRoutes(to: router.authenticated("/v1/posts", by: BearerAuthenticator(verifier: verifier)))
    router.addMethodNotAllowedRoutes()
    return router
}

/// The blog database of `DATABASE_URL`: SQLite migrated, or PostgreSQL to migrate once it answers.
///
/// SQLite's writer keeps 4 MiB of pages, not the 16 of the other services: a post's insert touches
/// the last pages of its table and indexes (ids and times grow), so a quarter of the cache writes
/// about as fast, and the blog's RSS stays lower once many posts were written, against a goal of
/// 64 MiB. 16 → 8 MiB: 7,752 and 7,864 against 7,676 and 7,804 creates a second, peak RSS 71 → 60
/// MiB after 8 s of creates (2026-11-25); 8 → 4 MiB, at 18,000 creates a second: −1, −2, −1 %, CPU a
/// create +1 to +2 %, peak RSS 65 → 60–61 MiB (`Benchmarks/compare.sh blog-create`, three pairs,
/// 2026-12-07; `make bench` had measured 68 MiB in a fast hour).
func openDatabase(_ configuration: ServiceConfiguration, logger: Logger) throws -> ServiceDatabase {
    try ServiceDatabase(
        configuration, name: BlogServiceConfiguration.serviceName, sqlite: BlogSchema.migrator, postgres: BlogSchema.postgres, sqliteCacheMiB: 4,
        logger: logger)
}

/// The post store of the database.
func postRepository(on database: ServiceDatabase, logger: Logger) -> any PostRepository {
    switch database {
    case .sqlite(let pool): SQLitePostRepository(database: pool)
    case .postgres(let database): PostgresPostRepository(database: database, logger: logger)
    }
}

/// The SQLite database at `path`, migrated: what tests open beside the service to look at its rows.
func openSQLiteDatabase(path: String, statementTimeout: Duration = SQLiteDatabase.defaultStatementTimeLimit) throws -> DatabasePool {
    try SQLiteDatabase.open(path: path, migrator: BlogSchema.migrator, statementTimeLimit: statementTimeout)
}
