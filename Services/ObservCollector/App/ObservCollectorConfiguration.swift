import ServiceKit

/// Everything the observ-collector reads at start (see the README for each variable and its default).
public struct ObservCollectorConfiguration: Sendable {
    public static let serviceName = "observ-collector"
    public static let defaultPort = 8083

    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) {
        self.service = service
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.service = service
    }
}
