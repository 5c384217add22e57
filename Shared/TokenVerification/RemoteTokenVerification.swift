import AsyncHTTPClient
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// The settings of access tokens, each defined once: the issuer and audience the auth service signs and
/// every verifier expects, and where a verifier finds the auth service's keys and revocations.
public enum TokenSettings {
    public static let issuer: Setting<URL> = .url("JWT_ISSUER", default: "http://127.0.0.1:8081", "The `iss` of every access token")
    public static let audience: Setting<String> = .text("JWT_AUDIENCE", default: "saas-api", "The `aud` of every access token")
    public static let jwksURL: Setting<URL> = .url(
        "AUTH_JWKS_URL", default: "http://127.0.0.1:8081/.well-known/jwks.json", "Where a verifier fetches the auth service's public keys")
    public static let revocationsURL: Setting<URL?> = .optionalURL(
        "AUTH_REVOCATIONS_URL", "Where a verifier polls the revocation list (default: `revocations` beside AUTH_JWKS_URL)")
}

/// Where a service that verifies (but does not issue) access tokens finds the auth service, read from
/// `AUTH_JWKS_URL`, `AUTH_REVOCATIONS_URL`, `JWT_ISSUER` and `JWT_AUDIENCE`.
public struct RemoteTokenSettings: Sendable {
    /// `AUTH_JWKS_URL` (default `http://127.0.0.1:8081/.well-known/jwks.json`).
    public var jwksURL: URL
    /// `AUTH_REVOCATIONS_URL` (default: `/.well-known/revocations` beside the JWKS).
    public var revocationsURL: URL
    /// `JWT_ISSUER` (default `http://127.0.0.1:8081`) and `JWT_AUDIENCE` (default `saas-api`).
    public var verifier: TokenVerifierSettings
    /// Least time between two JWKS fetches caused by unknown `kid`s (5 s; tests shorten it).
    public var minimumRefetchInterval: Duration = .seconds(5)
    /// How often the revocation list is polled (5 s; tests shorten it).
    public var revocationPollInterval: Duration = .seconds(5)

    public init(jwksURL: URL, revocationsURL: URL? = nil, verifier: TokenVerifierSettings) {
        self.jwksURL = jwksURL
        self.revocationsURL = revocationsURL ?? Self.revocationsURL(besides: jwksURL)
        self.verifier = verifier
    }

    public init(_ reader: ConfigurationReader) throws(ConfigurationError) {
        self.init(
            jwksURL: try reader.read(TokenSettings.jwksURL), revocationsURL: try reader.read(TokenSettings.revocationsURL),
            verifier: TokenVerifierSettings(issuer: try reader.read(TokenSettings.issuer).absoluteString, audience: try reader.read(TokenSettings.audience)))
    }

    static func revocationsURL(besides jwksURL: URL) -> URL {
        jwksURL.deletingLastPathComponent().appendingPathComponent("revocations")
    }
}

/// The verifier of a service that trusts a remote auth service: keys from its JWKS, revocations from
/// its list, both kept fresh by background services that the application must run.
public struct RemoteTokenVerification: Sendable {
    public let verifier: AccessTokenVerifier
    public let keys: JWKSKeySource
    public let revocations: RevocationPoller

    public init(settings: RemoteTokenSettings, httpClient: HTTPClient = .shared, metrics: ServiceMetrics? = nil, logger: Logger) {
        keys = JWKSKeySource(
            settings: .init(url: settings.jwksURL, minimumRefetchInterval: settings.minimumRefetchInterval), httpClient: httpClient, logger: logger)
        revocations = RevocationPoller(
            settings: .init(url: settings.revocationsURL, interval: settings.revocationPollInterval), httpClient: httpClient, metrics: metrics,
            logger: logger)
        verifier = AccessTokenVerifier(settings: settings.verifier, keys: keys, revocations: revocations)
    }

    /// The background services to add to the application: the JWKS refresh and the revocation poll.
    public var services: [any Service] { [keys, revocations] }

    /// What `/readyz` should say of token verification: a stale revocation list.
    public var readinessWarnings: @Sendable () -> [String] {
        let revocations = revocations
        return { revocations.stalenessWarning.map { [$0] } ?? [] }
    }
}
