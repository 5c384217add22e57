import ServiceKit
import TokenVerification

/// Everything the blog-service reads at start (see the README for each variable and its default).
public struct BlogServiceConfiguration: Sendable {
    public static let serviceName = "blog-service"
    public static let defaultPort = 8082

    public var service: ServiceConfiguration
    /// `AUTH_JWKS_URL`, `AUTH_REVOCATIONS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`.
    public var tokens: RemoteTokenSettings
    /// `COLLECTOR_URL` and `COLLECTOR_INGEST_KEY`: where every request is reported; nil when not.
    public var events: EventShipper.Settings?

    public init(service: ServiceConfiguration, tokens: RemoteTokenSettings, events: EventShipper.Settings? = nil) {
        self.service = service
        self.tokens = tokens
        self.events = events
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.init(service: service, tokens: try RemoteTokenSettings(reader), events: try EventShipper.Settings.read(reader))
    }
}
