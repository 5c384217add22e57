import CArgon2
import NIOPosix
import Prometheus
import ServiceKit
import Synchronization

/// Hashes and verifies passwords with Argon2id (Debian's libargon2), in the standard encoded form.
///
/// Each hash takes tens of milliseconds of CPU, so it runs on NIO's blocking thread pool: a burst of
/// logins queues there instead of stalling the cooperative threads that serve every other request.
/// The queue is bounded: with `queueLimit` hashes already waiting or running, another is refused at
/// once with 503 and `Retry-After`, so that a flood of sign-ups or logins cannot delay every tenant's
/// logins without limit.
public struct PasswordHasher: Sendable {
    public let parameters: Argon2Parameters
    private let threadPool: NIOThreadPool
    private let admission: Admission

    static let saltLength = 16
    static let hashLength = 32
    /// Hashes waiting or running at most: about a second of work on two cores at OWASP's cost.
    public static let defaultQueueLimit = 32

    /// `metrics` gets `auth_password_hashes_pending` (hashes waiting or running) and
    /// `auth_password_hashes_refused_total` (refused because the queue was full).
    public init(
        parameters: Argon2Parameters = .recommended, queueLimit: Int = defaultQueueLimit, threadPool: NIOThreadPool = .singleton,
        metrics: ServiceMetrics? = nil
    ) {
        self.parameters = parameters
        self.threadPool = threadPool
        self.admission = Admission(
            limit: queueLimit,
            pending: metrics?.registry.makeGauge(name: "auth_password_hashes_pending", labels: []),
            refused: metrics?.registry.makeCounter(name: "auth_password_hashes_refused_total", labels: []))
    }

    static let saturated = AppError.unavailable(retryAfterSeconds: 1, message: "Too many password checks at once; try again shortly")

    /// `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` with a fresh random salt.
    public func hash(_ password: String) async throws -> String {
        let parameters = parameters
        return try await admitted { try Self.hashNow(password, parameters: parameters) }
    }

    /// Whether `password` matches `encoded`; false for a malformed hash too.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await admitted { Self.verifyNow(password, against: encoded) }
    }

    /// Hashes waiting or running now.
    var pending: Int { admission.count }

    private func admitted<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard admission.enter() else { throw Self.saturated }
        defer { admission.leave() }
        return try await threadPool.runIfActive(work)
    }

    /// Counts the hashes in the pool's queue.
    private final class Admission: Sendable {
        let limit: Int
        private let current = Atomic<Int>(0)
        private let pending: Gauge?
        private let refused: Counter?

        init(limit: Int, pending: Gauge?, refused: Counter?) {
            self.limit = limit
            self.pending = pending
            self.refused = refused
        }

        var count: Int { current.load(ordering: .relaxed) }

        func enter() -> Bool {
            let entered = current.add(1, ordering: .relaxed).newValue
            if entered <= limit {
                pending?.set(Double(entered))
                return true
            }
            current.subtract(1, ordering: .relaxed)
            refused?.increment()
            return false
        }

        func leave() {
            let left = current.subtract(1, ordering: .relaxed).newValue
            pending?.set(Double(left))
        }
    }

    /// Whether `encoded` was made with other parameters than the current ones.
    public func needsRehash(_ encoded: String) -> Bool {
        !encoded.hasPrefix(parameters.encodedPrefix)
    }

    struct HashingFailed: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "argon2id hashing failed: \(String(cString: argon2_error_message(code)))" }
    }

    static func hashNow(_ password: String, parameters: Argon2Parameters) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let length = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            UInt32(saltLength), UInt32(hashLength), Argon2_id) + 1
        var encoded = [CChar](repeating: 0, count: length)
        let passwordBytes = Array(password.utf8)
        let result = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            passwordBytes, passwordBytes.count, salt, salt.count, hashLength, &encoded, encoded.count)
        guard result == ARGON2_OK.rawValue else { throw HashingFailed(code: result) }
        return String(cString: encoded)
    }

    static func verifyNow(_ password: String, against encoded: String) -> Bool {
        let passwordBytes = Array(password.utf8)
        return argon2id_verify(encoded, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue
    }
}
