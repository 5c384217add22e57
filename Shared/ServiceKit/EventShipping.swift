import Foundation
import Logging
import ServiceLifecycle

extension EventShipper.Settings {
    public static let collectorURLSetting: Setting<URL> = .url(
        "COLLECTOR_URL", default: "http://127.0.0.1:8083", "Where the service reports every request (with COLLECTOR_INGEST_KEY)")
    public static let ingestKeySetting: Setting<String?> = .optionalText(
        "COLLECTOR_INGEST_KEY", secret: true, "The service's key of the collector's INGEST_KEYS; unset, requests are not reported")

    /// `COLLECTOR_URL` and `COLLECTOR_INGEST_KEY`; nil (no shipping) when there is no key.
    public static func read(_ reader: ConfigurationReader) throws(ConfigurationError) -> EventShipper.Settings? {
        let url = try reader.read(collectorURLSetting)
        guard let key = try reader.read(ingestKeySetting) else { return nil }
        return EventShipper.Settings(collectorURL: url, ingestKey: key)
    }
}

/// A service's event shipping, ready to wire: the request events for `ServiceRouter.make(events:)` and
/// the shipper to run as the application's last service (so that it flushes after the server has stopped).
public struct EventShipping: Sendable {
    public let shipper: EventShipper?
    public let events: RequestEvents?

    public init(
        settings: EventShipper.Settings?, serviceName: String, trustedProxies: TrustedProxies, quietPaths: Set<String> = [],
        metrics: ServiceMetrics, logger: Logger
    ) {
        guard let settings else {
            logger.notice("COLLECTOR_INGEST_KEY is not set: requests are not reported to the collector")
            shipper = nil
            events = nil
            return
        }
        let shipper = EventShipper(settings: settings, metrics: metrics, logger: logger)
        self.shipper = shipper
        events = RequestEvents(shipper: shipper, serviceName: serviceName, trustedProxies: trustedProxies, quietPaths: quietPaths)
    }

    public var services: [any Service] { shipper.map { [$0] } ?? [] }
}
