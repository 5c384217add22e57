import NIOPosix
import ServiceKit

/// Everything the auth-service reads at start (see the README for each variable and its default).
public struct AuthServiceConfiguration: Sendable {
    public static let serviceName = "auth-service"
    public static let defaultPort = 8081

    public var service: ServiceConfiguration
    /// `JWT_ISSUER`: the `iss` of every access token (default `http://127.0.0.1:8081`).
    public var issuer: String
    /// `JWT_AUDIENCE`: the `aud` of every access token (default `saas-api`).
    public var audience: String
    /// `JWT_SIGNING_KEY_FILE`: the JWK Set of private signing keys (default `.data/jwt-signing-keys.json`).
    public var signingKeyFile: String
    /// `SIGNING_KEY_RELOAD_INTERVAL`: how often a running service reads the key file again (default 5 s).
    public var signingKeyReloadInterval: Duration = .seconds(5)
    /// `SIGNING_KEY_ACTIVATION_DELAY`: how long after `rotate-signing-key` the new key starts signing
    /// (default 60 s): published at once, so that every replica (each reading the file within
    /// `SIGNING_KEY_RELOAD_INTERVAL`, or a Kubernetes Secret's update reaching each pod) has it before
    /// a token signed with it reaches a verifier. Keep it above 5 s plus the reload interval: a verifier
    /// fetches the keys again for an unknown `kid` at most every 5 s.
    public var signingKeyActivationDelay: Duration = .seconds(60)
    /// `ACCESS_TOKEN_TTL`: access-token lifetime (default 15 minutes).
    public var accessTokenTTL: Duration
    /// `REFRESH_TOKEN_TTL`: refresh-token lifetime, renewed by each rotation (default 7 days).
    public var refreshTokenTTL: Duration
    /// `REFRESH_REUSE_GRACE`: how long the immediately previous refresh token may be used once more (default 0).
    public var refreshReuseGrace: Duration
    /// `LOGIN_RATE_LIMIT`: attempts a minute (default 10) at login and sign-up (per client address and per
    /// account), registration (per client address and per tenant) and password change (per user).
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
    /// `CORS_ALLOWED_ORIGINS`: the web origins whose pages may call the service (the collector's
    /// dashboard signs in here); none by default.
    public var allowedOrigins = AllowedOrigins()

    public init(
        service: ServiceConfiguration,
        issuer: String = "http://127.0.0.1:8081",
        audience: String = "saas-api",
        signingKeyFile: String = ".data/jwt-signing-keys.json",
        accessTokenTTL: Duration = .seconds(15 * 60),
        refreshTokenTTL: Duration = .seconds(7 * 24 * 3600),
        refreshReuseGrace: Duration = .zero,
        loginRateLimit: Int = 10
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
            issuer: try reader.url("JWT_ISSUER", default: "http://127.0.0.1:8081").absoluteString,
            audience: reader.string("JWT_AUDIENCE", default: "saas-api"),
            signingKeyFile: reader.string("JWT_SIGNING_KEY_FILE", default: ".data/jwt-signing-keys.json"),
            accessTokenTTL: try reader.duration("ACCESS_TOKEN_TTL", default: .seconds(15 * 60), atLeast: .seconds(10)),
            refreshTokenTTL: try reader.duration("REFRESH_TOKEN_TTL", default: .seconds(7 * 24 * 3600), atLeast: .seconds(60)),
            refreshReuseGrace: try reader.duration("REFRESH_REUSE_GRACE", default: .zero),
            loginRateLimit: try reader.int("LOGIN_RATE_LIMIT", default: 10, in: 1...100_000)
        )
        signingKeyReloadInterval = try reader.duration("SIGNING_KEY_RELOAD_INTERVAL", default: .seconds(5), atLeast: .milliseconds(100))
        signingKeyActivationDelay = try reader.duration("SIGNING_KEY_ACTIVATION_DELAY", default: .seconds(60))
        events = try EventShipper.Settings.read(reader)
        allowedOrigins = try AllowedOrigins(parsing: reader.string("CORS_ALLOWED_ORIGINS", default: ""))
    }

    var accessTokenSeconds: Int { Int(accessTokenTTL.components.seconds) }

    /// How long a revocation entry, or a retired signing key, must stay published: until every token it
    /// concerns has expired, leeway included.
    var accessTokenHorizonSeconds: Int { accessTokenSeconds + leewaySeconds }
}
