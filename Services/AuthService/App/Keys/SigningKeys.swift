import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization
import TokenVerification

/// The signing keys a running auth service uses, read again from `JWT_SIGNING_KEY_FILE` every few
/// seconds (`SIGNING_KEY_RELOAD_INTERVAL`): a key rotated in while the service runs is published at
/// once and signs from its `active_from` on, in every replica that reads the file, without a restart;
/// a retired key stops being published once its tokens have expired. A file that cannot be read or
/// is not valid keeps the keys in use, with an error logged at each try.
final class SigningKeys: Service, VerificationKeySource {
    private let file: SigningKeyFile
    private let retention: Int
    private let interval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let ring: Mutex<SigningKeyRing>

    init(_ ring: SigningKeyRing, file: SigningKeyFile, retention: Int, interval: Duration, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.ring = Mutex(ring)
        self.file = file
        self.retention = retention
        self.interval = interval
        self.now = now
        self.logger = logger
    }

    /// The keys in use now.
    var current: SigningKeyRing { ring.withLock { $0 } }

    func keySet(forKeyID kid: String) async -> VerificationKeySet? {
        current.verificationKeys
    }

    /// Reads the file and takes its keys when they differ from those in use; returns whether they did.
    @discardableResult
    func reload() async throws -> Bool {
        let fresh = try await file.load(now: now(), retention: retention)
        let previous = ring.withLock { ring in
            defer { if ring.identity != fresh.identity { ring = fresh } }
            return ring
        }
        guard previous.identity != fresh.identity else { return false }
        logger.notice("Signing keys reloaded", metadata: [
            "kid": "\(fresh.signer.key.keyID)", "previous_kid": "\(previous.signer.key.keyID)",
            "published_keys": "\(fresh.publicKeys.keys.count)",
        ])
        return true
    }

    func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "Cannot reload the signing keys; keeping the ones in use") {
            [self] in try await reload()
        }
    }
}
