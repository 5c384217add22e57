import AsyncHTTPClient
import Logging
import ServiceKit
import ServiceLifecycle

/// How a service verifies access tokens: the verifier its routes use, the background services that
/// keep its keys and revocations fresh, and what `/readyz` should say of them. Built from the auth
/// service's JWKS and revocation list in production (`remote`), or from keys at hand in tests (`local`).
public struct AccessTokenVerification: Sendable {
    public let verifier: AccessTokenVerifier
    public let services: [any Service]
    public let readinessWarnings: ReadinessWarnings

    /// Keys from the auth service's JWKS and its revocation list, polled.
    public static func remote(
        _ settings: RemoteTokenSettings, httpClient: HTTPClient = .shared, metrics: ServiceMetrics? = nil, logger: Logger
    ) -> AccessTokenVerification {
        let remote = RemoteTokenVerification(settings: settings, httpClient: httpClient, metrics: metrics, logger: logger)
        return AccessTokenVerification(verifier: remote.verifier, services: remote.services, readinessWarnings: remote.readinessWarnings)
    }

    /// A verifier whose keys (and revocations, if any) are at hand: nothing to poll.
    public static func local(_ verifier: AccessTokenVerifier) -> AccessTokenVerification {
        AccessTokenVerification(verifier: verifier, services: [], readinessWarnings: { [] })
    }
}
