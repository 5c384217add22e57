import Foundation
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
    /// `DATABASE_POOL_SIZE`: PostgreSQL connections a process keeps at most (default 10).
    public var databasePoolSize = 10
    /// `DATABASE_CONNECT_TIMEOUT`: how long a PostgreSQL connection may take to open, and a request wait
    /// for one before it is answered 503 (default 5 s).
    public var databaseConnectTimeout: Duration = .seconds(5)
    /// `DATABASE_STARTUP_TIMEOUT`: how long a starting service waits for PostgreSQL to answer before it
    /// gives up, logs why and exits 1 (default 60 s; 0 waits for ever). Until then it runs, not ready.
    public var databaseStartupTimeout: Duration = .seconds(60)
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
        self.databasePoolSize = try reader.int("DATABASE_POOL_SIZE", default: 10, in: 1...1000)
        self.databaseConnectTimeout = try reader.duration("DATABASE_CONNECT_TIMEOUT", default: .seconds(5), atLeast: .milliseconds(100))
        self.databaseStartupTimeout = try reader.duration("DATABASE_STARTUP_TIMEOUT", default: .seconds(60))
    }
}

/// Where a service keeps its data: `sqlite:<path>` or `postgres://user:pass@host:port/db`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public init?(_ text: String) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty, !path.contains("\0") else { return nil }
            self = .sqlite(path: path)
        } else if let location = PostgresLocation(text) {
            self = .postgres(location)
        } else {
            return nil
        }
    }

    /// The URL with any password hidden, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// Where a PostgreSQL database is: `postgres://user:password@host:port/database?sslmode=…` (or
/// `postgresql://`). The user and password may be percent-encoded; the port defaults to 5432, the
/// database to the user's name; `sslmode` is `disable`, `prefer` (the default) or `require`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    public init?(_ text: String) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), !text.contains("\0"),
            let components = URLComponents(string: text), let host = components.host, !host.isEmpty,
            let user = components.user, !user.isEmpty
        else { return nil }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { return nil }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", let value = item.value.flatMap(TLSMode.init(rawValue:)) else { return nil }
            tls = value
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.contains("/") else { return nil }
        self.init(
            host: host, port: port, user: user, password: components.password, database: path.isEmpty ? user : path, tls: tls)
    }

    /// The location with the password hidden, for logs.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)\(tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")"
    }
}
