import Foundation

/// `auth-service rotate-signing-key`: puts a new signing key at the head of `JWT_SIGNING_KEY_FILE`, keeps
/// the previous one published until its tokens have expired, and drops keys retired longer ago than that.
/// Running services pick the new key up at their next start (restart them one by one).
public enum RotateSigningKeyCommand {
    public static let name = "rotate-signing-key"

    /// Rotates and returns what to print.
    public static func run(configuration: AuthServiceConfiguration, now: Date = Date()) throws -> String {
        let file = SigningKeyFile(path: configuration.signingKeyFile)
        let (newKeyID, dropped) = try file.rotate(now: now, retention: configuration.accessTokenHorizonSeconds)
        var lines = ["New signing key \(newKeyID) written to \(configuration.signingKeyFile)."]
        if !dropped.isEmpty { lines.append("Dropped keys whose tokens have all expired: \(dropped.joined(separator: ", ")).") }
        lines.append("Restart the auth service (each replica) to sign with it; the previous key stays published for \(configuration.accessTokenHorizonSeconds) s.")
        return lines.joined(separator: "\n")
    }
}
