import ServiceKit

/// Everything the auth-service reads at start (see the README for each variable and its default).
public struct AuthServiceConfiguration: Sendable {
    public static let serviceName = "auth-service"
    public static let defaultPort = 8081

    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) {
        self.service = service
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.service = service
    }
}
