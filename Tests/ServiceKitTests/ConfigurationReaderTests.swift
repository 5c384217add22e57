import Foundation
import Testing

@testable import ServiceKit

@Suite struct ConfigurationReaderTests {
    static let ttl: Setting<Duration> = .duration("ACCESS_TOKEN_TTL", default: .zero, "")

    func reader(_ environment: [String: String] = [:], _ arguments: [String] = []) throws -> ConfigurationReader {
        try ConfigurationReader(environment: environment, arguments: arguments)
    }

    @Test func defaultsWorkOnALaptop() throws {
        let common = try ServiceConfiguration(reader(), serviceName: "blog-service", defaultPort: 8082)
        #expect(common.host == "127.0.0.1")
        #expect(common.port == 8082)
        #expect(common.database == .sqlite(path: ".data/blog-service.sqlite"))
        #expect(common.logLevel == .info)
        #expect(common.logFormat == .text)
        #expect(common.trustedProxies.networks.isEmpty)
    }

    @Test func aPortThatIsNotANumberNamesPORT() throws {
        #expect(throws: ConfigurationError(variable: "PORT", problem: "'abc' is not a whole number")) {
            try ServiceConfiguration(reader(["PORT": "abc"]), serviceName: "x", defaultPort: 1)
        }
        #expect(throws: ConfigurationError(variable: "PORT", problem: "70000 is outside 0…65535")) {
            try ServiceConfiguration(reader(["PORT": "70000"]), serviceName: "x", defaultPort: 1)
        }
    }

    @Test func optionsOverrideTheEnvironment() throws {
        let reader = try reader(["PORT": "1000", "LOG_FORMAT": "text"], ["--port", "2000", "--log-format=json"])
        let common = try ServiceConfiguration(reader, serviceName: "x", defaultPort: 1)
        #expect(common.port == 2000)
        #expect(common.logFormat == .json)
    }

    @Test func eachBadCommonValueNamesItsVariable() throws {
        let cases: [(String, String)] = [
            ("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"), ("DATABASE_URL", "mysql://x"), ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ]
        for (variable, value) in cases {
            let error = #expect(throws: ConfigurationError.self) {
                try ServiceConfiguration(reader([variable: value]), serviceName: "x", defaultPort: 1)
            }
            #expect(error?.variable == variable)
            if variable == "DATABASE_URL" {
                #expect(error?.description == "DATABASE_URL: neither sqlite:<path> nor postgres://…", "a secret is not repeated")
            } else {
                #expect(error?.description.hasPrefix("\(variable): '\(value)'") == true)
            }
        }
    }

    @Test func aDirectoryOfFilesIsTheLastPlaceASettingComesFrom() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "settings-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("3000\n".utf8).write(to: folder.appending(path: "port"))
        try Data("json".utf8).write(to: folder.appending(path: "log-format"))
        try Data("debug".utf8).write(to: folder.appending(path: "log-level"))

        let fromFiles = try await ConfigurationReader.load(environment: ["CONFIG_DIRECTORY": folder.path], arguments: [])
        let common = try ServiceConfiguration(fromFiles, serviceName: "x", defaultPort: 1)
        #expect(common.port == 3000 && common.logFormat == .json && common.logLevel == .debug)

        let overridden = try await ConfigurationReader.load(
            environment: ["CONFIG_DIRECTORY": folder.path, "LOG_FORMAT": "text"], arguments: ["--port", "4000"])
        let winners = try ServiceConfiguration(overridden, serviceName: "x", defaultPort: 1)
        #expect(winners.port == 4000 && winners.logFormat == .text && winners.logLevel == .debug, "options, then the environment, then files")
        #expect(overridden.report()["PORT"] == "4000 (option)")
        #expect(overridden.report()["LOG_LEVEL"] == "debug (file)")

        let missing = folder.appending(path: "nothing").path
        await #expect(throws: ConfigurationError.self) { try await ConfigurationReader.load(environment: ["CONFIG_DIRECTORY": missing], arguments: []) }
    }

    @Test func secretsAreNeitherReportedNorPrinted() throws {
        let reader = try reader(
            ["DATABASE_URL": "postgres://saas:hunter2-password@db/saas", "COLLECTOR_INGEST_KEY": "an-ingest-key-0123456789"], ["--port", "9000"])
        let common = try ServiceConfiguration(reader, serviceName: "x", defaultPort: 1)
        let events = try #require(try EventShipper.Settings.read(reader))
        #expect(events.ingestKey.value == "an-ingest-key-0123456789")
        let report = reader.report()
        #expect(report == ["PORT": "9000 (option)", "DATABASE_URL": "<secret> (environment)", "COLLECTOR_INGEST_KEY": "<secret> (environment)"])

        var dumped = ""
        dump(common, to: &dumped)
        dump(events, to: &dumped)
        for shown in ["\(common)", "\(events)", String(reflecting: common), String(reflecting: events), dumped, "\(report)"] {
            #expect(!shown.contains("hunter2-password") && !shown.contains("an-ingest-key-0123456789"), "\(shown)")
        }
    }

    @Test func unreadOptionsAreRejected() throws {
        let reader = try reader([:], ["--prot", "8080"])
        _ = try reader.read(.port(default: 1))
        #expect(throws: ConfigurationError(variable: "--prot", problem: "unknown option")) { try reader.rejectUnreadOptions() }
    }

    @Test func malformedArgumentsAreRejected() {
        #expect(throws: ConfigurationError.self) { try reader([:], ["8080"]) }
        #expect(throws: ConfigurationError.self) { try reader([:], ["--port"]) }
    }

    @Test(arguments: [
        ("900", Duration.seconds(900)), ("30s", .seconds(30)), ("15m", .seconds(900)), ("12h", .seconds(43_200)),
        ("7d", .seconds(604_800)), ("500ms", .milliseconds(500)), ("1.5s", .milliseconds(1500)),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try reader(["TTL": text]).read(.duration("TTL", default: .zero, "")) == expected)
    }

    @Test func aBadDurationNamesItsVariable() throws {
        for text in ["soon", "-5"] {
            let error = #expect(throws: ConfigurationError.self) { try reader(["ACCESS_TOKEN_TTL": text]).read(Self.ttl) }
            #expect(error?.variable == "ACCESS_TOKEN_TTL")
        }
    }

    /// Finding 5 of the hardening issue: `1e300d` trapped while it was turned into milliseconds; a
    /// duration is at most ten years, and a longer one is a configuration error naming the variable.
    @Test(arguments: ["1e300d", "inf", "3700d", "9223372036854775807", "1e19ms"])
    func aDurationBeyondTenYearsIsRefused(text: String) throws {
        #expect(throws: ConfigurationError.self) { try reader(["ACCESS_TOKEN_TTL": text]).read(Self.ttl) }
    }

    @Test func urlsMustBeHTTP() throws {
        let jwks: Setting<URL> = .url("AUTH_JWKS_URL", default: "http://x", "")
        #expect(try reader(["AUTH_JWKS_URL": "http://127.0.0.1:8081/.well-known/jwks.json"]).read(jwks).port == 8081)
        #expect(throws: ConfigurationError.self) { try reader(["AUTH_JWKS_URL": "ftp://x"]).read(jwks) }
    }

    @Test func postgresPasswordsAreHiddenInDescriptions() {
        let url = DatabaseURL("postgres://saas:secret@db:5432/saas")
        #expect(url?.description == "postgres://saas:***@db:5432/saas")
    }

    @Test func postgresURLsAreReadIntoTheirParts() throws {
        let url = DatabaseURL("postgresql://saas:p%40ss@db.internal/blog?sslmode=require")
        #expect(url == .postgres(PostgresLocation(host: "db.internal", port: 5432, user: "saas", password: "p@ss", database: "blog", tls: .require)))
        #expect(DatabaseURL("postgres://saas@127.0.0.1:6543") == .postgres(PostgresLocation(host: "127.0.0.1", port: 6543, user: "saas", password: nil, database: "saas")))
    }

    @Test(arguments: ["postgres://db/saas", "postgres://saas@:5432/x", "postgres://saas@db:0/x", "postgres://saas@db/x?sslmode=verify", "postgres://saas@db/x?schema=y", "postgres://saas@db/a/b", "mysql://saas@db/x"])
    func badPostgresURLsAreRefused(text: String) {
        #expect(DatabaseURL(text) == nil)
    }
}
