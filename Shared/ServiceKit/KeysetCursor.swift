import Foundation

/// A position in a list ordered by `(timestamp, id)`: the last row of a page. On the wire it is an
/// opaque base64url string; clients hand it back as `?cursor=`.
public struct KeysetCursor: Sendable, Equatable {
    /// Milliseconds since the epoch of the row's ordering time.
    public var timestamp: Int64
    public var id: String

    public init(timestamp: Int64, id: String) {
        self.timestamp = timestamp
        self.id = id
    }

    public init(date: Date, id: String) {
        self.init(timestamp: Int64((date.timeIntervalSince1970 * 1000).rounded()), id: id)
    }

    /// The cursor of a wire string; nil when it was not made by `encoded`.
    public init?(encoded: some StringProtocol) {
        guard encoded.utf8.count <= 256, let data = Base64URL.decode(encoded),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        let parts = text.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        // The id is a UUID or a row number: letters, digits and dashes only, never text to compare blindly.
        guard parts.count == 3, parts[0] == "1", let timestamp = Int64(parts[1]), !parts[2].isEmpty, parts[2].utf8.count <= 64,
            parts[2].utf8.allSatisfy({ $0 == 0x2D || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        self.init(timestamp: timestamp, id: String(parts[2]))
    }

    public var encoded: String {
        Base64URL.encode(Data("1|\(timestamp)|\(id)".utf8))
    }
}
