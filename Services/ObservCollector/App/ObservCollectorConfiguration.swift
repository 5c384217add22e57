import Foundation
import ServiceKit
import TokenVerification

/// Everything the observ-collector reads at start (see the README for each variable and its default).
public struct ObservCollectorConfiguration: Sendable {
    public static let serviceName = "observ-collector"
    public static let defaultPort = 8083

    public var service: ServiceConfiguration
    /// `AUTH_JWKS_URL`, `AUTH_REVOCATIONS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`: the tokens of tenant admins.
    public var tokens: RemoteTokenSettings
    /// `INGEST_KEYS`: `service:key` pairs, comma-separated (none by default: nothing can be ingested).
    public var ingestKeys: IngestKeys
    /// `RETENTION_DAYS`: events received longer ago are deleted (default 14).
    public var retentionDays: Int
    /// `INGEST_QUEUE_CAPACITY`: events accepted and waiting for a commit before requests are refused with 503 (default 200,000).
    public var queueCapacity: Int
    /// `TENANT_EVENT_RATE`: events a second each tenant may have stored (default 1,000); more are dropped at ingest.
    public var tenantEventRate: Int = 1_000
    /// `TENANT_EVENT_BURST`: events a tenant may have stored at once (default 10,000: a whole batch).
    public var tenantEventBurst: Int = 10_000
    /// `METRICS_MAX_TENANTS`: tenants with series of their own in `/metrics` (default 1,000); the rest are `other`.
    public var metricsMaxTenants: Int = 1_000
    /// `METRICS_MAX_ROUTES`: routes a service with series of their own (default 200); the rest are `other`.
    public var metricsMaxRoutes: Int = 200
    /// `DASHBOARD_AUTH_URL`: where a browser reaches the auth service, for the dashboard's sign-in
    /// (default: the origin of `AUTH_JWKS_URL`). The auth service must list the collector's origin in
    /// its `CORS_ALLOWED_ORIGINS`.
    public var dashboardAuthURL: URL
    /// How often retention runs.
    public var retentionInterval: Duration = .seconds(3600)

    public init(service: ServiceConfiguration, tokens: RemoteTokenSettings, ingestKeys: IngestKeys, retentionDays: Int = 14, queueCapacity: Int = 200_000) {
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
            ingestKeys: try IngestKeys(parsing: reader.string("INGEST_KEYS", default: "")),
            retentionDays: try reader.int("RETENTION_DAYS", default: 14, in: 1...3650),
            queueCapacity: try reader.int("INGEST_QUEUE_CAPACITY", default: 200_000, in: 10_000...10_000_000))
        tenantEventRate = try reader.int("TENANT_EVENT_RATE", default: 1_000, in: 1...10_000_000)
        tenantEventBurst = try reader.int("TENANT_EVENT_BURST", default: 10_000, in: 1...100_000_000)
        metricsMaxTenants = try reader.int("METRICS_MAX_TENANTS", default: 1_000, in: 1...100_000)
        metricsMaxRoutes = try reader.int("METRICS_MAX_ROUTES", default: 200, in: 1...10_000)
        if reader.string("DASHBOARD_AUTH_URL") != nil {
            dashboardAuthURL = try reader.url("DASHBOARD_AUTH_URL", default: "")
        }
    }
}
