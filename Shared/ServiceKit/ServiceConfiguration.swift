import Foundation
import Logging

/// The settings every service reads, each defined once: its variable, default and meaning.
public enum ServiceSettings {
    public static let host: Setting<String> = .text("HOST", default: "127.0.0.1", "The address to listen on (`0.0.0.0` in containers)")
    /// `sqlite:.data/<service>.sqlite` unless set.
    public static func database(service name: String) -> Setting<DatabaseURL> {
        Setting(
            "DATABASE_URL", default: .sqlite(path: ".data/\(name).sqlite"), secret: true,
            "Where the service keeps its data: `sqlite:<path>` or `postgres://user:password@host:port/database?sslmode=…`"
        ) { text throws(SettingProblem) in
            // A secret (it may hold a password): the problem does not repeat the text.
            guard let database = DatabaseURL(text) else { throw SettingProblem("neither sqlite:<path> nor postgres://…") }
            return database
        }
    }
    public static let logLevel: Setting<Logger.Level> = .choice("LOG_LEVEL", default: .info, "trace, debug, info, notice, warning, error or critical")
    public static let logFormat: Setting<LogFormat> = .choice("LOG_FORMAT", default: .text, "`text` or `json` (one object a line)")
    public static let trustedProxies = Setting<TrustedProxies>(
        "TRUSTED_PROXIES", default: TrustedProxies(), "Comma-separated CIDRs whose `X-Forwarded-For` is believed (none by default)"
    ) { text throws(SettingProblem) in
        do throws(TrustedProxies.InvalidNetwork) {
            return try TrustedProxies(parsing: text)
        } catch {
            throw SettingProblem("'\(error.text)' is not a CIDR such as 10.0.0.0/8 or ::1/128")
        }
    }
    public static let statementTimeout: Setting<Duration> = .duration(
        "DATABASE_STATEMENT_TIMEOUT", default: .seconds(5), atLeast: .milliseconds(10),
        "How long one statement may run before it is stopped and the request answered 503")
    public static let databasePoolSize: Setting<Int> = .integer(
        "DATABASE_POOL_SIZE", default: 10, in: 1...1000, "PostgreSQL connections a process keeps open")
    public static let databaseConnectTimeout: Setting<Duration> = .duration(
        "DATABASE_CONNECT_TIMEOUT", default: .seconds(5), atLeast: .milliseconds(100),
        "How long a PostgreSQL connection may take to open, and a request wait for one before it is answered 503")
    public static let databaseStartupTimeout: Setting<Duration> = .duration(
        "DATABASE_STARTUP_TIMEOUT", default: .seconds(60),
        "How long a starting service waits for PostgreSQL to answer before it gives up and exits 1 (0 waits for ever)")
}

/// The settings every service reads (`ServiceSettings`): where it listens, its database, how it logs and
/// which proxies it trusts. Each service adds its own on top.
public struct ServiceConfiguration: Sendable {
    /// `HOST`
    public var host: String
    /// `PORT` (each service has its own default).
    public var port: Int
    /// `DATABASE_URL`
    public var database: DatabaseURL
    /// `LOG_LEVEL`
    public var logLevel: Logger.Level
    /// `LOG_FORMAT`
    public var logFormat: LogFormat
    /// `TRUSTED_PROXIES`
    public var trustedProxies: TrustedProxies
    /// `DATABASE_STATEMENT_TIMEOUT`
    public var statementTimeout = ServiceSettings.statementTimeout.defaultValue
    /// `DATABASE_POOL_SIZE`
    public var databasePoolSize = ServiceSettings.databasePoolSize.defaultValue
    /// `DATABASE_CONNECT_TIMEOUT`
    public var databaseConnectTimeout = ServiceSettings.databaseConnectTimeout.defaultValue
    /// `DATABASE_STARTUP_TIMEOUT`: until then the service runs, not ready.
    public var databaseStartupTimeout = ServiceSettings.databaseStartupTimeout.defaultValue
    /// How long a request head may take and a connection stay idle (30 s and 60 s).
    public var connectionLimits = ConnectionLimits()

    public init(
        host: String = ServiceSettings.host.defaultValue,
        port: Int,
        database: DatabaseURL,
        logLevel: Logger.Level = ServiceSettings.logLevel.defaultValue,
        logFormat: LogFormat = ServiceSettings.logFormat.defaultValue,
        trustedProxies: TrustedProxies = ServiceSettings.trustedProxies.defaultValue
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
        self.init(
            host: try reader.read(ServiceSettings.host),
            port: try reader.read(.port(default: defaultPort)),
            database: try reader.read(ServiceSettings.database(service: name)),
            logLevel: try reader.read(ServiceSettings.logLevel),
            logFormat: try reader.read(ServiceSettings.logFormat),
            trustedProxies: try reader.read(ServiceSettings.trustedProxies))
        statementTimeout = try reader.read(ServiceSettings.statementTimeout)
        databasePoolSize = try reader.read(ServiceSettings.databasePoolSize)
        databaseConnectTimeout = try reader.read(ServiceSettings.databaseConnectTimeout)
        databaseStartupTimeout = try reader.read(ServiceSettings.databaseStartupTimeout)
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

extension PostgresLocation: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }

    /// Without the password: what `dump` and a printed configuration show.
    public var customMirror: Mirror {
        Mirror(self, children: ["host": host, "port": port, "user": user, "database": database, "tls": tls], displayStyle: .struct)
    }
}
