import Foundation
import Logging
import ServiceKit
import TokenVerification

/// The signing keys on disk (`JWT_SIGNING_KEY_FILE`): a JWK Set of P-256 private keys, newest first.
/// The first key that is active and not retired signs; every key is published until the tokens it
/// signed have expired, and a new key is published before it signs.
///
/// Two extra JWK members that only this service reads (RFC 7517 §4: members a reader does not
/// understand are ignored), in seconds since the epoch: `active_from`, when a rotated-in key starts
/// signing (`SIGNING_KEY_ACTIVATION_DELAY` after the rotation, so that every replica publishes it
/// before any signs with it), and `retired_at`, when a key stopped signing. The file is created with
/// mode 0600 and always replaced atomically; the service refuses to start with a file that other users
/// can read.
public struct SigningKeyFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// One key of the file.
    struct Entry: Codable {
        var key: JSONWebKey
        var activeFrom: Int?
        var retiredAt: Int?

        enum CodingKeys: String, CodingKey {
            case activeFrom = "active_from"
            case retiredAt = "retired_at"
        }

        init(key: JSONWebKey, activeFrom: Int? = nil, retiredAt: Int? = nil) {
            self.key = key
            self.activeFrom = activeFrom
            self.retiredAt = retiredAt
        }

        init(from decoder: any Decoder) throws {
            key = try JSONWebKey(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            activeFrom = try container.decodeIfPresent(Int.self, forKey: .activeFrom)
            retiredAt = try container.decodeIfPresent(Int.self, forKey: .retiredAt)
        }

        func encode(to encoder: any Encoder) throws {
            try key.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(activeFrom, forKey: .activeFrom)
            try container.encodeIfPresent(retiredAt, forKey: .retiredAt)
        }

        /// Whether it signs at `seconds`: active, and not yet retired.
        func signs(at seconds: Int) -> Bool {
            (activeFrom ?? .min) <= seconds && (retiredAt ?? .max) > seconds
        }

        /// Whether it is published at `seconds`: until its tokens have expired (`retention` after retiring).
        func isPublished(at seconds: Int, retention: Int) -> Bool {
            retiredAt.map { $0 + retention > seconds } ?? true
        }
    }

    struct Document: Codable {
        var keys: [Entry]
    }

    /// The keys to sign and publish with: the file's, or a new key written to a new file when there is none.
    public func loadOrCreate(now: Date, retention: Int, logger: Logger) async throws -> SigningKeyRing {
        if !FileManager.default.fileExists(atPath: path) {
            let key = SigningKey.generate()
            try write(Document(keys: [Entry(key: key.privateJWK)]))
            logger.notice("Generated a new signing key", metadata: ["kid": "\(key.keyID)", "file": "\(path)"])
        }
        return try await load(now: now, retention: retention)
    }

    /// The keys of the file at `now`: the signing key, and every key published beside it (rotated-in
    /// keys not active yet, retired keys whose tokens may not have expired: `retention` seconds).
    public func load(now: Date, retention: Int) async throws -> SigningKeyRing {
        var status = stat()
        guard stat(path, &status) == 0 else { throw invalid("cannot be read") }
        guard status.st_mode & 0o077 == 0 else {
            throw invalid("can be read by other users (mode \(String(status.st_mode & 0o777, radix: 8))); make it mode 0600 (chmod 600)")
        }
        let entries = try read().keys
        let seconds = Int(now.timeIntervalSince1970)
        guard entries.first?.retiredAt.map({ $0 > seconds }) ?? true else { throw invalid("starts with a retired key; rotate to add a new one") }
        guard let signing = entries.firstIndex(where: { $0.signs(at: seconds) }) else {
            throw invalid("has no key that signs now (each is retired or not active yet)")
        }
        let keys = try entries.indices.filter { $0 == signing || entries[$0].isPublished(at: seconds, retention: retention) }.map { index in
            do {
                return (index, try SigningKey(jwk: entries[index].key))
            } catch {
                throw invalid("holds a key that is \(error)")
            }
        }
        return try await SigningKeyRing(
            signing: keys.first { $0.0 == signing }!.1, others: keys.filter { $0.0 != signing }.map(\.1))
    }

    /// Puts a new signing key first, active `activationDelay` seconds from `now` (published at once, so
    /// that every replica and verifier knows it before a token signed with it exists); retires the keys
    /// that signed until then at that moment; drops retired keys whose tokens have all expired. Returns
    /// the new key's `kid` and the dropped keys' `kid`s.
    @discardableResult
    public func rotate(now: Date, retention: Int, activationDelay: Int = 0) throws -> (newKeyID: String, dropped: [String]) {
        let seconds = Int(now.timeIntervalSince1970)
        let activation = seconds + max(0, activationDelay)
        var document = FileManager.default.fileExists(atPath: path) ? try read() : Document(keys: [])
        for index in document.keys.indices where (document.keys[index].retiredAt ?? .max) > activation {
            document.keys[index].retiredAt = activation
        }
        let dropped = document.keys.filter { !$0.isPublished(at: seconds, retention: retention) }.compactMap(\.key.kid)
        document.keys.removeAll { dropped.contains($0.key.kid ?? "") }
        let key = SigningKey.generate()
        document.keys.insert(Entry(key: key.privateJWK, activeFrom: activation > seconds ? activation : nil), at: 0)
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
