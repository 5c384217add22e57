import DatabaseKit
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceKit
import TokenVerification

/// Builds the auth-service: storage, keys, services, routes and background work, ready to run.
///
/// `now` is the clock of every rule that involves time (token lifetimes, rotation grace, rate limits);
/// tests move it.
public func buildApplication(
    configuration: AuthServiceConfiguration,
    logger: Logger = Logger(label: AuthServiceConfiguration.serviceName),
    metrics: ServiceMetrics = ServiceMetrics(),
    now: @escaping @Sendable () -> Date = { Date() }
) async throws -> some ApplicationProtocol {
    let database = try openDatabase(configuration.service, logger: logger)
    database.reportMemory(to: metrics)
    let store = authStore(on: database, logger: logger)
    let revocations = store.repositories.revocations

    let horizon = configuration.accessTokenHorizonSeconds
    let keyFile = SigningKeyFile(path: configuration.signingKeyFile)
    let keys = SigningKeys(
        try await keyFile.loadOrCreate(now: now(), retention: horizon, logger: logger), file: keyFile, retention: horizon,
        interval: configuration.signingKeyReloadInterval, now: now, logger: logger)
    let revocationCache = RevocationCache(repository: revocations, horizonSeconds: horizon, now: now, logger: logger)
    if case .sqlite = database { try await revocationCache.reload() }  // PostgreSQL: once it answers (see run())
    let shipping = EventShipping(
        settings: configuration.events, serviceName: AuthServiceConfiguration.serviceName,
        trustedProxies: configuration.service.trustedProxies,
        quietPaths: ["/.well-known/revocations"],  // polled by every verifier every 5 s
        metrics: metrics, logger: logger)
    let router = try buildRouter(
        configuration: configuration, store: store, keys: keys, revocations: revocationCache, metrics: metrics,
        events: shipping.events, now: now)

    let housekeeping = AuthHousekeeping(
        refreshTokens: store.repositories.refreshTokens, revocations: revocations, revocationHorizonSeconds: horizon,
        attempts: store.attemptLimiter(perMinute: configuration.loginRateLimit, capacity: configuration.rateLimitCapacity, now: now),
        interval: .seconds(600), now: now, logger: logger)
    logger.info("Signing access tokens", metadata: ["kid": "\(keys.current.signer.key.keyID)", "published_keys": "\(keys.current.publicKeys.keys.count)"])
    return ServiceApplication(Application(
        router: router,
        server: configuration.service.httpServer,
        configuration: configuration.service.applicationConfiguration(serverName: AuthServiceConfiguration.serviceName),
        // Stopped in reverse: the server first, then the shipper flushes what the last requests reported.
        services: database.services(logger: logger)
            + [revocationCache, keys, housekeeping, ReadinessMonitor(readiness(store, revocationCache), metrics: metrics, logger: logger)]
            + shipping.services,
        logger: logger
    ))
}

/// The auth service's services and routes on a store, its signing keys and a revocation cache, behind
/// ServiceKit's middlewares: what `buildApplication` serves, and what tests can build on any store.
func buildRouter(
    configuration: AuthServiceConfiguration,
    store: any AuthStore,
    keys: SigningKeys,
    revocations revocationCache: RevocationCache,
    metrics: ServiceMetrics,
    events: RequestEvents? = nil,
    now: @escaping @Sendable () -> Date
) throws -> Router<TenantRequestContext> {
    let cutOffs = SessionCutOffs(store: store, cache: revocationCache, now: now)
    let passwords = PasswordHasher(
        parameters: configuration.passwordHashing, queueLimit: configuration.passwordHashQueueLimit,
        threadPool: configuration.passwordHashingPool, metrics: metrics)
    let attempts = store.attemptLimiter(perMinute: configuration.loginRateLimit, capacity: configuration.rateLimitCapacity, now: now)
    let accessTokens = AccessTokenIssuer(
        keys: keys, issuer: configuration.issuer, audience: configuration.audience,
        lifetimeSeconds: configuration.accessTokenSeconds, revocations: revocationCache)
    let sessions = SessionService(
        store: store, cutOffs: cutOffs, passwords: passwords,
        accessTokens: accessTokens, attempts: attempts, refreshTokenTTL: configuration.refreshTokenTTL,
        reuseGrace: configuration.refreshReuseGrace,
        dummyPasswordHash: try PasswordHasher.hashNow(RefreshTokenSecret.generate(), parameters: configuration.passwordHashing),
        now: now, refusals: LoginRefusal.Counters(metrics: metrics))
    let userService = UserService(store: store, passwords: passwords, cutOffs: cutOffs, attempts: attempts, now: now)
    let tenantService = TenantService(store: store, passwords: passwords, attempts: attempts, now: now)

    // The service checks its own tokens as every other service does, but with its keys at hand.
    let verifier = AccessTokenVerifier(
        settings: TokenVerifierSettings(issuer: configuration.issuer, audience: configuration.audience, leewaySeconds: configuration.leewaySeconds),
        keys: keys, revocations: revocationCache, now: now)
    let authenticator = BearerAuthenticator<TenantRequestContext>(verifier: verifier)

    let router = ServiceRouter.make(
        context: TenantRequestContext.self, metrics: metrics,
        readiness: readiness(store, revocationCache),
        openAPIDocument: AuthOpenAPIDocument.assembled, events: events, allowedOrigins: configuration.allowedOrigins)
    let proxies = configuration.service.trustedProxies
    let tenantController = TenantController(service: tenantService, trustedProxies: proxies)
    tenantController.addPublicRoutes(to: router.group("/v1/tenants"))
    tenantController.addAuthenticatedRoutes(to: router.authenticated("/v1/tenants", by: authenticator))
    let sessionController = SessionController(sessions: sessions, users: userService, trustedProxies: proxies)
    sessionController.addPublicRoutes(to: router.group("/v1/auth"))
    sessionController.addAuthenticatedRoutes(to: router.authenticated("/v1/auth", by: authenticator))
    UserController(service: userService).addRoutes(to: router.authenticated("/v1/users", by: authenticator))
    WellKnownController(
        keys: keys, revocations: store.repositories.revocations, horizonSeconds: configuration.accessTokenHorizonSeconds,
        now: now
    ).addRoutes(to: router)
    router.addMethodNotAllowedRoutes()
    return router
}

/// Ready when the database answers and the revocation list has been read from it.
func readiness(_ store: any AuthStore, _ revocationCache: RevocationCache) -> ReadinessCheck {
    {
        let version = try await store.ping()
        guard revocationCache.isLoaded else { throw DatabaseUnavailable(reason: "the revocation list is not loaded yet") }
        return version
    }
}

/// The auth database of `DATABASE_URL`: SQLite migrated, or PostgreSQL to migrate once it answers.
/// SQLite's writer keeps 4 MiB of pages (see `SQLiteAuthStore` for the reads' caches).
func openDatabase(_ configuration: ServiceConfiguration, logger: Logger) throws -> ServiceDatabase {
    try ServiceDatabase(
        configuration, name: AuthServiceConfiguration.serviceName, sqlite: AuthSchema.migrator, postgres: AuthSchema.postgres, sqliteCacheMiB: 4,
        logger: logger)
}

/// The auth store of the database.
func authStore(on database: ServiceDatabase, logger: Logger) -> any AuthStore {
    switch database {
    case .sqlite(let pool): SQLiteAuthStore(pool)
    case .postgres(let database): PostgresAuthStore(database: database, logger: logger)
    }
}

/// The SQLite database at `path`, migrated: what tests open beside the service to look at its rows.
func openSQLiteDatabase(path: String, statementTimeout: Duration = SQLiteDatabase.defaultStatementTimeLimit) throws -> DatabasePool {
    try SQLiteDatabase.open(path: path, migrator: AuthSchema.migrator, statementTimeLimit: statementTimeout)
}
