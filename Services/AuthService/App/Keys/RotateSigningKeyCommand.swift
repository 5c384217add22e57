import Foundation
import Logging
import ServiceKit

/// `auth-service rotate-signing-key`: puts a new signing key at the head of `JWT_SIGNING_KEY_FILE`, active
/// after `SIGNING_KEY_ACTIVATION_DELAY`; keeps the previous one published until its tokens have expired,
/// and drops keys retired longer ago than that. Running services read the file again every
/// `SIGNING_KEY_RELOAD_INTERVAL`: they publish the new key at once and sign with it once it is active,
/// without a restart.
public enum RotateSigningKeyCommand {
    public static let name = "rotate-signing-key"

    /// Rotates, reports the rotation to the collector as an audit event of no tenant (when
    /// `COLLECTOR_INGEST_KEY` is set), and returns what to print.
    public static func run(configuration: AuthServiceConfiguration, now: Date = Date(), logger: Logger) async throws -> String {
        let file = SigningKeyFile(path: configuration.signingKeyFile)
        let delay = Int(configuration.signingKeyActivationDelay.components.seconds)
        let (newKeyID, dropped) = try file.rotate(now: now, retention: configuration.accessTokenHorizonSeconds, activationDelay: delay)
        var lines = ["New signing key \(newKeyID) written to \(configuration.signingKeyFile)."]
        if !dropped.isEmpty { lines.append("Dropped keys whose tokens have all expired: \(dropped.joined(separator: ", ")).") }
        lines.append(
            "Running auth services publish it within \(configuration.signingKeyReloadInterval) and sign with it in \(delay) s "
                + "(SIGNING_KEY_ACTIVATION_DELAY); the previous key stays published for \(configuration.accessTokenHorizonSeconds) s after that.")
        if let settings = configuration.events {
            var event = ObservedEvent(type: .audit, at: now, service: AuthServiceConfiguration.serviceName)
            event.action = AuditAction.signingKeyRotated.rawValue
            event.outcome = AuditEntry.Outcome.success.rawValue
            event.message = "New signing key \(newKeyID)"
            let shipper = EventShipper(settings: settings, metrics: ServiceMetrics(), logger: logger)
            let delivered = await shipper.deliverNow([event])
            lines.append(delivered ? "Reported to the collector's audit trail." : "Warning: the collector at \(settings.collectorURL) did not take the audit event.")
        }
        return lines.joined(separator: "\n")
    }
}
