import ServiceKit

/// Everything the blog-service reads at start (see the README for each variable and its default).
public struct BlogServiceConfiguration: Sendable {
    public static let serviceName = "blog-service"
    public static let defaultPort = 8082

    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) {
        self.service = service
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.service = service
    }
}
