import Foundation

/// `auth-service rotate-signing-key`: puts a new signing key at the head of `JWT_SIGNING_KEY_FILE`, active
/// after `SIGNING_KEY_ACTIVATION_DELAY`; keeps the previous one published until its tokens have expired,
/// and drops keys retired longer ago than that. Running services read the file again every
/// `SIGNING_KEY_RELOAD_INTERVAL`: they publish the new key at once and sign with it once it is active,
/// without a restart.
public enum RotateSigningKeyCommand {
    public static let name = "rotate-signing-key"

    /// Rotates and returns what to print.
    public static func run(configuration: AuthServiceConfiguration, now: Date = Date()) throws -> String {
        let file = SigningKeyFile(path: configuration.signingKeyFile)
        let delay = Int(configuration.signingKeyActivationDelay.components.seconds)
        let (newKeyID, dropped) = try file.rotate(now: now, retention: configuration.accessTokenHorizonSeconds, activationDelay: delay)
        var lines = ["New signing key \(newKeyID) written to \(configuration.signingKeyFile)."]
        if !dropped.isEmpty { lines.append("Dropped keys whose tokens have all expired: \(dropped.joined(separator: ", ")).") }
        lines.append(
            "Running auth services publish it within \(configuration.signingKeyReloadInterval) and sign with it in \(delay) s "
                + "(SIGNING_KEY_ACTIVATION_DELAY); the previous key stays published for \(configuration.accessTokenHorizonSeconds) s after that.")
        return lines.joined(separator: "\n")
    }
}
