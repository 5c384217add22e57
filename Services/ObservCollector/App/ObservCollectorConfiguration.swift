import Foundation
import ServiceKit
import TokenVerification

/// The collector's own settings, each defined once (with `ServiceSettings` and `TokenSettings`).
public enum CollectorSettings {
    public static let ingestKeys: Setting<IngestKeys> = .parsed(
        "INGEST_KEYS", default: IngestKeys([]), secret: true,
        "`service:key` pairs, comma-separated: the services that may ingest and their keys (none by default: nothing can be ingested)",
        by: IngestKeys.init(parsing:))
    public static let retentionDays: Setting<Int> = .integer(
        "RETENTION_DAYS", default: 14, in: 1...3650, "Events received longer ago are deleted")
    public static let queueCapacity: Setting<Int> = .integer(
        "INGEST_QUEUE_CAPACITY", default: 200_000, in: 10_000...10_000_000,
        "Events accepted and waiting for a commit before requests are refused with 503")
    public static let admittedBytes: Setting<Int> = .integer(
        "INGEST_ADMITTED_BYTES", default: IngestAdmission.defaultBudget, in: 65_536...1_073_741_824,
        "Bytes of ingest bodies read and held until their commit at once; later requests wait their turn, unread")
    public static let tenantEventRate: Setting<Int> = .integer(
        "TENANT_EVENT_RATE", default: 1_000, in: 1...10_000_000, "Events a second each tenant may have stored; more are dropped at ingest")
    public static let tenantEventBurst: Setting<Int> = .integer(
        "TENANT_EVENT_BURST", default: 10_000, in: 1...100_000_000, "Events a tenant may have stored at once (a whole batch)")
    public static let metricsMaxTenants: Setting<Int> = .integer(
        "METRICS_MAX_TENANTS", default: 1_000, in: 1...100_000, "Tenants with series of their own in `/metrics`; the rest are `other`")
    public static let metricsMaxRoutes: Setting<Int> = .integer(
        "METRICS_MAX_ROUTES", default: 200, in: 1...10_000, "Routes a service with series of their own; the rest are `other`")
    public static let dashboardAuthURL: Setting<URL?> = .optionalURL(
        "DASHBOARD_AUTH_URL",
        "Where a browser reaches the auth service, for the dashboard's sign-in (default: the origin of AUTH_JWKS_URL); the auth service must list the collector's origin in its CORS_ALLOWED_ORIGINS")
}

/// Everything the observ-collector reads at start (`CollectorSettings`; the README lists each variable).
public struct ObservCollectorConfiguration: Sendable {
    public static let serviceName = "observ-collector"
    public static let defaultPort = 8083

    public var service: ServiceConfiguration
    /// `AUTH_JWKS_URL`, `AUTH_REVOCATIONS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`: the tokens of tenant admins.
    public var tokens: RemoteTokenSettings
    /// `INGEST_KEYS`
    public var ingestKeys: IngestKeys
    /// `RETENTION_DAYS`
    public var retentionDays: Int
    /// `INGEST_QUEUE_CAPACITY`
    public var queueCapacity: Int
    /// `INGEST_ADMITTED_BYTES`
    public var admittedBytes = CollectorSettings.admittedBytes.defaultValue
    /// `TENANT_EVENT_RATE`
    public var tenantEventRate = CollectorSettings.tenantEventRate.defaultValue
    /// `TENANT_EVENT_BURST`
    public var tenantEventBurst = CollectorSettings.tenantEventBurst.defaultValue
    /// `METRICS_MAX_TENANTS`
    public var metricsMaxTenants = CollectorSettings.metricsMaxTenants.defaultValue
    /// `METRICS_MAX_ROUTES`
    public var metricsMaxRoutes = CollectorSettings.metricsMaxRoutes.defaultValue
    /// `DASHBOARD_AUTH_URL`
    public var dashboardAuthURL: URL
    /// How often retention runs.
    public var retentionInterval: Duration = .seconds(3600)

    public init(
        service: ServiceConfiguration, tokens: RemoteTokenSettings, ingestKeys: IngestKeys,
        retentionDays: Int = CollectorSettings.retentionDays.defaultValue, queueCapacity: Int = CollectorSettings.queueCapacity.defaultValue
    ) {
        self.service = service
        self.tokens = tokens
        self.ingestKeys = ingestKeys
        self.retentionDays = retentionDays
        self.queueCapacity = queueCapacity
        dashboardAuthURL = tokens.jwksURL
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.init(
            service: service,
            tokens: try RemoteTokenSettings(reader),
            ingestKeys: try reader.read(CollectorSettings.ingestKeys),
            retentionDays: try reader.read(CollectorSettings.retentionDays),
            queueCapacity: try reader.read(CollectorSettings.queueCapacity))
        admittedBytes = try reader.read(CollectorSettings.admittedBytes)
        tenantEventRate = try reader.read(CollectorSettings.tenantEventRate)
        tenantEventBurst = try reader.read(CollectorSettings.tenantEventBurst)
        metricsMaxTenants = try reader.read(CollectorSettings.metricsMaxTenants)
        metricsMaxRoutes = try reader.read(CollectorSettings.metricsMaxRoutes)
        if let url = try reader.read(CollectorSettings.dashboardAuthURL) { dashboardAuthURL = url }
    }
}
