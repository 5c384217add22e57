import Foundation
import NIOPosix
import ServiceKit
import TokenVerification

/// The auth service's own settings, each defined once (with `ServiceSettings`, `TokenSettings`'s issuer
/// and audience, and event shipping's).
public enum AuthSettings {
    public static let signingKeyFile: Setting<String> = .text(
        "JWT_SIGNING_KEY_FILE", default: ".data/jwt-signing-keys.json", "The JWK Set of private signing keys (created when missing)")
    public static let signingKeyReloadInterval: Setting<Duration> = .duration(
        "SIGNING_KEY_RELOAD_INTERVAL", default: .seconds(5), atLeast: .milliseconds(100), "How often a running service reads the key file again")
    /// Keep it above 5 s plus the reload interval: a verifier fetches the keys again for an unknown `kid`
    /// at most every 5 s.
    public static let signingKeyActivationDelay: Setting<Duration> = .duration(
        "SIGNING_KEY_ACTIVATION_DELAY", default: .seconds(60),
        "How long after `rotate-signing-key` the new key starts signing: published at once, so that every replica has it before a token signed with it reaches a verifier")
    public static let accessTokenTTL: Setting<Duration> = .duration(
        "ACCESS_TOKEN_TTL", default: .seconds(15 * 60), atLeast: .seconds(10), "Access-token lifetime")
    public static let refreshTokenTTL: Setting<Duration> = .duration(
        "REFRESH_TOKEN_TTL", default: .seconds(7 * 24 * 3600), atLeast: .seconds(60), "Refresh-token lifetime, renewed by each rotation")
    public static let refreshReuseGrace: Setting<Duration> = .duration(
        "REFRESH_REUSE_GRACE", default: .zero, "How long the immediately previous refresh token may be used once more")
    public static let loginRateLimit: Setting<Int> = .integer(
        "LOGIN_RATE_LIMIT", default: 10, in: 1...100_000,
        "Attempts a minute at login and sign-up (per client address and per account), registration (per client address and per tenant) and password change (per user)")
    public static let allowedOrigins: Setting<AllowedOrigins> = .parsed(
        "CORS_ALLOWED_ORIGINS", default: AllowedOrigins(),
        "The web origins whose pages may call the service, comma-separated (the collector's dashboard signs in here); none by default",
        by: AllowedOrigins.init(parsing:))
}

/// Everything the auth-service reads at start (`AuthSettings`; the README lists each variable).
public struct AuthServiceConfiguration: Sendable {
    public static let serviceName = "auth-service"
    public static let defaultPort = 8081

    public var service: ServiceConfiguration
    /// `JWT_ISSUER`
    public var issuer: String
    /// `JWT_AUDIENCE`
    public var audience: String
    /// `JWT_SIGNING_KEY_FILE`
    public var signingKeyFile: String
    /// `SIGNING_KEY_RELOAD_INTERVAL`
    public var signingKeyReloadInterval = AuthSettings.signingKeyReloadInterval.defaultValue
    /// `SIGNING_KEY_ACTIVATION_DELAY`
    public var signingKeyActivationDelay = AuthSettings.signingKeyActivationDelay.defaultValue
    /// `ACCESS_TOKEN_TTL`
    public var accessTokenTTL: Duration
    /// `REFRESH_TOKEN_TTL`
    public var refreshTokenTTL: Duration
    /// `REFRESH_REUSE_GRACE`
    public var refreshReuseGrace: Duration
    /// `LOGIN_RATE_LIMIT`
    public var loginRateLimit: Int
    /// Clock leeway the service's own verifier allows (the contract's 30 s).
    public var leewaySeconds: Int = 30
    /// Argon2id cost; OWASP's recommendation unless a test needs cheaper hashes.
    public var passwordHashing: Argon2Parameters = .recommended
    /// Password hashes waiting or running at most; past that, hashing routes answer 503 with `Retry-After`.
    public var passwordHashQueueLimit: Int = PasswordHasher.defaultQueueLimit
    /// Where password hashes run (NIO's blocking pool; tests hold it to order a race).
    var passwordHashingPool: NIOThreadPool = .singleton
    /// Rate-limit buckets kept at most (client addresses, accounts, tenants, users together).
    public var rateLimitCapacity: Int = 100_000
    /// `COLLECTOR_URL` and `COLLECTOR_INGEST_KEY`: where every request is reported; nil when not.
    public var events: EventShipper.Settings?
    /// `CORS_ALLOWED_ORIGINS`
    public var allowedOrigins = AuthSettings.allowedOrigins.defaultValue

    public init(
        service: ServiceConfiguration,
        issuer: String = TokenSettings.issuer.defaultValue.absoluteString,
        audience: String = TokenSettings.audience.defaultValue,
        signingKeyFile: String = AuthSettings.signingKeyFile.defaultValue,
        accessTokenTTL: Duration = AuthSettings.accessTokenTTL.defaultValue,
        refreshTokenTTL: Duration = AuthSettings.refreshTokenTTL.defaultValue,
        refreshReuseGrace: Duration = AuthSettings.refreshReuseGrace.defaultValue,
        loginRateLimit: Int = AuthSettings.loginRateLimit.defaultValue
    ) {
        self.service = service
        self.issuer = issuer
        self.audience = audience
        self.signingKeyFile = signingKeyFile
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.refreshReuseGrace = refreshReuseGrace
        self.loginRateLimit = loginRateLimit
    }

    public init(_ reader: ConfigurationReader, service: ServiceConfiguration) throws(ConfigurationError) {
        self.init(
            service: service,
            issuer: try reader.read(TokenSettings.issuer).absoluteString,
            audience: try reader.read(TokenSettings.audience),
            signingKeyFile: try reader.read(AuthSettings.signingKeyFile),
            accessTokenTTL: try reader.read(AuthSettings.accessTokenTTL),
            refreshTokenTTL: try reader.read(AuthSettings.refreshTokenTTL),
            refreshReuseGrace: try reader.read(AuthSettings.refreshReuseGrace),
            loginRateLimit: try reader.read(AuthSettings.loginRateLimit)
        )
        signingKeyReloadInterval = try reader.read(AuthSettings.signingKeyReloadInterval)
        signingKeyActivationDelay = try reader.read(AuthSettings.signingKeyActivationDelay)
        events = try EventShipper.Settings.read(reader)
        allowedOrigins = try reader.read(AuthSettings.allowedOrigins)
    }

    var accessTokenSeconds: Int { Int(accessTokenTTL.components.seconds) }

    /// How long a revocation entry, or a retired signing key, must stay published: until every token it
    /// concerns has expired, leeway included.
    var accessTokenHorizonSeconds: Int { accessTokenSeconds + leewaySeconds }
}
