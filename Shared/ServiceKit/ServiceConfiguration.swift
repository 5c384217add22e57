import Logging

/// The settings every service reads: where it listens, its database, how it logs and which proxies
/// it trusts. Each service adds its own on top.
public struct ServiceConfiguration: Sendable {
    /// `HOST` (default `127.0.0.1`; `0.0.0.0` in containers).
    public var host: String
    /// `PORT` (each service has its own default).
    public var port: Int
    /// `DATABASE_URL` (default `sqlite:.data/<service>.sqlite`).
    public var database: DatabaseURL
    /// `LOG_LEVEL` (default `info`).
    public var logLevel: Logger.Level
    /// `LOG_FORMAT`, `text` or `json` (default `text`).
    public var logFormat: LogFormat
    /// `TRUSTED_PROXIES`: comma-separated CIDRs whose `X-Forwarded-For` is believed (default none).
    public var trustedProxies: TrustedProxies
    /// `DATABASE_STATEMENT_TIMEOUT`: how long one statement may run before it is stopped and the request
    /// answered 503 (default 5 s).
    public var statementTimeout: Duration = .seconds(5)
    /// How long a request head may take and a connection stay idle (30 s and 60 s).
    public var connectionLimits = ConnectionLimits()

    public init(
        host: String = "127.0.0.1",
        port: Int,
        database: DatabaseURL,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .text,
        trustedProxies: TrustedProxies = TrustedProxies()
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.trustedProxies = trustedProxies
    }

    /// Reads the common settings of the service `name` whose default port is `defaultPort`.
    public init(_ reader: ConfigurationReader, serviceName name: String, defaultPort: Int) throws(ConfigurationError) {
        self.host = reader.string("HOST", default: "127.0.0.1")
        self.port = try reader.port(default: defaultPort)
        let databaseText = reader.string("DATABASE_URL", default: "sqlite:.data/\(name).sqlite")
        guard let database = DatabaseURL(databaseText) else {
            throw ConfigurationError(variable: "DATABASE_URL", problem: "'\(databaseText)' is neither sqlite:<path> nor postgres://…")
        }
        self.database = database
        self.logLevel = try reader.logLevel()
        self.logFormat = try reader.choice("LOG_FORMAT", default: LogFormat.text)
        let proxies = reader.string("TRUSTED_PROXIES", default: "")
        do {
            self.trustedProxies = try TrustedProxies(parsing: proxies)
        } catch {
            throw ConfigurationError(variable: "TRUSTED_PROXIES", problem: "'\(error.text)' is not a CIDR such as 10.0.0.0/8 or ::1/128")
        }
        self.statementTimeout = try reader.duration("DATABASE_STATEMENT_TIMEOUT", default: .seconds(5), atLeast: .milliseconds(10))
    }
}

/// Where a service keeps its data: `sqlite:<path>` or `postgres://user:pass@host:port/db`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init?(_ text: String) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            return nil
        }
    }

    /// The URL with any password hidden, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
            let credentials = url[scheme.upperBound..<at]
            let user = credentials.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            return url[..<scheme.upperBound] + user + ":***" + url[at...]
        }
    }
}
