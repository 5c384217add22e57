/// A secret configuration value (an ingest key): shown as `<secret>` wherever it is printed, dumped,
/// interpolated or logged; only `value` gives it.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { ConfigurationReader.redacted }
    public var debugDescription: String { ConfigurationReader.redacted }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
