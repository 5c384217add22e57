import Foundation
import Logging
import ServiceKit
import TokenVerification

/// The signing keys on disk (`JWT_SIGNING_KEY_FILE`): a JWK Set of P-256 private keys. The first key
/// signs; the others are retired keys, still published until the tokens they signed have expired.
///
/// A retired key carries `retired_at` (seconds since the epoch), an extra JWK member that only this
/// service reads (RFC 7517 §4: members a reader does not understand are ignored). The file is created
/// with mode 0600 and always replaced atomically; the service refuses to start with a file that other
/// users can read.
public struct SigningKeyFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// One key of the file.
    struct Entry: Codable {
        var key: JSONWebKey
        var retiredAt: Int?

        enum CodingKeys: String, CodingKey {
            case retiredAt = "retired_at"
        }

        init(key: JSONWebKey, retiredAt: Int? = nil) {
            self.key = key
            self.retiredAt = retiredAt
        }

        init(from decoder: any Decoder) throws {
            key = try JSONWebKey(from: decoder)
            retiredAt = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .retiredAt)
        }

        func encode(to encoder: any Encoder) throws {
            try key.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(retiredAt, forKey: .retiredAt)
        }
    }

    struct Document: Codable {
        var keys: [Entry]
    }

    /// The keys to sign and publish with: the file's, or a new key written to a new file when there is none.
    /// Retired keys whose tokens have all expired (`retention` seconds after retirement) are not published.
    public func loadOrCreate(now: Date, retention: Int, logger: Logger) async throws -> SigningKeyRing {
        if !FileManager.default.fileExists(atPath: path) {
            let key = SigningKey.generate()
            try write(Document(keys: [Entry(key: key.privateJWK)]))
            logger.notice("Generated a new signing key", metadata: ["kid": "\(key.keyID)", "file": "\(path)"])
        }
        var status = stat()
        guard stat(path, &status) == 0 else { throw invalid("cannot be read") }
        guard status.st_mode & 0o077 == 0 else {
            throw invalid("can be read by other users (mode \(String(status.st_mode & 0o777, radix: 8))); make it mode 0600 (chmod 600)")
        }
        let entries = try read().keys
        guard entries.first?.retiredAt == nil else { throw invalid("starts with a retired key; rotate to add a new one") }
        let keys = try entries.filter { entry in
            entry.retiredAt.map { $0 + retention > Int(now.timeIntervalSince1970) } ?? true
        }.map { entry in
            do {
                return try SigningKey(jwk: entry.key)
            } catch {
                throw invalid("holds a key that is \(error)")
            }
        }
        return try await SigningKeyRing(signing: keys[0], retired: Array(keys.dropFirst()))
    }

    /// Puts a new signing key first, retires the one that signed until now, and drops retired keys whose
    /// tokens have all expired. Returns the new key's `kid` and the dropped keys' `kid`s.
    @discardableResult
    public func rotate(now: Date, retention: Int) throws -> (newKeyID: String, dropped: [String]) {
        let seconds = Int(now.timeIntervalSince1970)
        var document = FileManager.default.fileExists(atPath: path) ? try read() : Document(keys: [])
        for index in document.keys.indices where document.keys[index].retiredAt == nil {
            document.keys[index].retiredAt = seconds
        }
        let dropped = document.keys.filter { ($0.retiredAt ?? seconds) + retention <= seconds }.compactMap(\.key.kid)
        document.keys.removeAll { dropped.contains($0.key.kid ?? "") }
        let key = SigningKey.generate()
        document.keys.insert(Entry(key: key.privateJWK), at: 0)
        try write(document)
        return (key.keyID, dropped)
    }

    func read() throws -> Document {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw invalid("cannot be read")
        }
        guard let document = try? JSONDecoder().decode(Document.self, from: data), !document.keys.isEmpty else {
            throw invalid("is not a JWK Set of P-256 private keys")
        }
        return document
    }

    /// Writes to a temporary file beside the real one, created with mode 0600 from its first byte (never
    /// readable by others, not even for a moment), flushed to disk, then renamed over.
    func write(_ document: Document) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(document))
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().lowercasedString)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw invalid("cannot be written (\(String(cString: strerror(errno))))") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            written += count
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw invalid("cannot be written")
        }
    }

    private func invalid(_ problem: String) -> ConfigurationError {
        ConfigurationError(variable: "JWT_SIGNING_KEY_FILE", problem: "'\(path)' \(problem)")
    }
}
