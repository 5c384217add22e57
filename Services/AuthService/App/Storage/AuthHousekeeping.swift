import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Deletes what no longer matters, every few minutes: expired refresh tokens and revocations older
/// than the access-token lifetime.
struct AuthHousekeeping: Service {
    let refreshTokens: any RefreshTokenRepository
    let revocations: any RevocationRepository
    let revocationHorizonSeconds: Int
    let attempts: any AttemptLimiter
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    func purge() async throws {
        let now = now()
        let tokens = try await refreshTokens.deleteExpired(before: now)
        let cutOffs = try await revocations.deleteOlder(than: Int(now.timeIntervalSince1970) - revocationHorizonSeconds)
        let buckets = try await attempts.forgetRefilled()
        if tokens + cutOffs + buckets > 0 {
            logger.info("Purged expired records", metadata: [
                "refresh_tokens": "\(tokens)", "revocations": "\(cutOffs)", "rate_limit_buckets": "\(buckets)",
            ])
        }
    }

    func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "Purge failed; will try again") { [self] in try await purge() }
    }
}
