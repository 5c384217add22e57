import CArgon2
import NIOPosix
import Prometheus
import ServiceKit
import Synchronization

/// Hashes and verifies passwords with Argon2id (Debian's libargon2), in the standard encoded form
/// (`Argon2Encoded`), with the hashes' memory from `Argon2Memory`.
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
            pending: metrics?.registry.makeGauge(descriptor: .named("auth_password_hashes_pending"), labels: []),
            refused: metrics?.registry.makeCounter(descriptor: .named("auth_password_hashes_refused_total"), labels: []))
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
        var hash = [UInt8](repeating: 0, count: hashLength)
        let result = run(Argon2id(password: password, salt: salt, parameters: parameters), into: &hash) { argon2_ctx(&$0, Argon2_id) }
        guard result == ARGON2_OK.rawValue else { throw HashingFailed(code: result) }
        return Argon2Encoded(parameters: parameters, salt: salt, hash: hash).text
    }

    static func verifyNow(_ password: String, against encoded: String) -> Bool {
        guard let stored = Argon2Encoded(encoded) else { return false }
        var computed = [UInt8](repeating: 0, count: stored.hash.count)
        let result = run(Argon2id(password: password, salt: stored.salt, parameters: stored.parameters), into: &computed) { context in
            stored.hash.withUnsafeBufferPointer { expected in
                // Compares in constant time.
                argon2_verify_ctx(&context, UnsafeRawPointer(expected.baseAddress!).assumingMemoryBound(to: CChar.self), Argon2_id)
            }
        }
        return result == ARGON2_OK.rawValue
    }

    /// The inputs of one Argon2id computation.
    struct Argon2id {
        var password: String
        var salt: [UInt8]
        var parameters: Argon2Parameters
    }

    /// Runs `body` on a context for `inputs` writing into `output`, its memory from `Argon2Memory`.
    private static func run(_ inputs: Argon2id, into output: inout [UInt8], _ body: (inout argon2_context) -> Int32) -> Int32 {
        var password = Array(inputs.password.utf8)
        var salt = inputs.salt
        return password.withUnsafeMutableBufferPointer { password in
            salt.withUnsafeMutableBufferPointer { salt in
                output.withUnsafeMutableBufferPointer { output in
                    var context = argon2_context(
                        out: output.baseAddress, outlen: UInt32(output.count),
                        pwd: password.baseAddress, pwdlen: UInt32(password.count),
                        salt: salt.baseAddress, saltlen: UInt32(salt.count),
                        secret: nil, secretlen: 0, ad: nil, adlen: 0,
                        t_cost: inputs.parameters.iterations, m_cost: inputs.parameters.memoryKiB,
                        lanes: inputs.parameters.parallelism, threads: inputs.parameters.parallelism,
                        version: UInt32(ARGON2_VERSION_13.rawValue),
                        allocate_cbk: Argon2Memory.allocate, free_cbk: Argon2Memory.deallocate,
                        flags: 0)  // ARGON2_DEFAULT_FLAGS
                    return body(&context)
                }
            }
        }
    }
}
