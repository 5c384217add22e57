import Crypto
import Foundation
import ServiceKit

/// The ingest keys (`INGEST_KEYS`: `service:key` pairs, comma-separated) and the check of a presented
/// key: SHA-256 digests compared in constant time, against every key, so that neither the match nor
/// its position shows in the timing.
public struct IngestKeys: Sendable {
    private let digests: [(service: String, digest: [UInt8])]

    public init(_ pairs: [(service: String, key: String)]) {
        digests = pairs.map { ($0.service, Array(SHA256.hash(data: Data($0.key.utf8)))) }
    }

    /// Parses `blog-service:secret1,auth-service:secret2`.
    public init(parsing text: String) throws(ConfigurationError) {
        var pairs: [(String, String)] = []
        for entry in text.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 16 else {
                throw ConfigurationError(
                    variable: "INGEST_KEYS", problem: "each entry must be service:key with a key of at least 16 characters")
            }
            guard !pairs.contains(where: { $0.1 == parts[1] }) else {
                throw ConfigurationError(variable: "INGEST_KEYS", problem: "a key is given twice; each service needs its own")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        self.init(pairs)
    }

    public var isEmpty: Bool { digests.isEmpty }

    /// The service whose key this is, or nil.
    public func service(forKey key: String) -> String? {
        let presented = Array(SHA256.hash(data: Data(key.utf8)))
        var match: String?
        for entry in digests {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, presented) { difference |= a ^ b }
            if difference == 0 { match = entry.service }
        }
        return match
    }
}
