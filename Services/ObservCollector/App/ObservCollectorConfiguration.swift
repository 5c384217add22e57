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
    /// How often retention runs.
    public var retentionInterval: Duration = .seconds(3600)

    public init(service: ServiceConfiguration, tokens: RemoteTokenSettings, ingestKeys: IngestKeys, retentionDays: Int = 14, queueCapacity: Int = 200_000) {
        self.service = service
        self.tokens = tokens
        self.ingestKeys = ingestKeys
        self.retentionDays = retentionDays
        self.queueCapacity = queueCapacity
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.init(
            service: service,
            tokens: try RemoteTokenSettings(reader),
            ingestKeys: try IngestKeys(parsing: reader.string("INGEST_KEYS", default: "")),
            retentionDays: try reader.int("RETENTION_DAYS", default: 14, in: 1...3650),
            queueCapacity: try reader.int("INGEST_QUEUE_CAPACITY", default: 200_000, in: 10_000...10_000_000))
    }
}
