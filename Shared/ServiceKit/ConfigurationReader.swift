import Configuration
import Foundation
import Logging
import Synchronization
import SystemPackage

/// A configuration value that cannot be used; start-up stops with this message, which names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}

/// Reads the services' settings (`Setting`) through swift-configuration, from three places, the first
/// that has a value winning:
/// 1. command-line options: `--jwt-issuer value` or `--jwt-issuer=value`;
/// 2. environment variables: `JWT_ISSUER`;
/// 3. with `CONFIG_DIRECTORY` set, a file per setting in that directory: `jwt-issuer` (a Kubernetes
///    ConfigMap or Secret mounted as files).
///
/// An empty value counts as absent. A text a setting cannot use, a mistyped option
/// (`rejectUnreadOptions()`) or a malformed argument is a `ConfigurationError` naming the variable.
/// Secrets are read as secrets: swift-configuration's access reports redact them, and so does
/// `report()`, what a service logs at start.
public final class ConfigurationReader: Sendable {
    private let reader: ConfigReader
    private let optionNames: Set<String>
    private let readNames = Mutex<Set<String>>([])
    private let accesses = AccessRecord()
    private let explicit = Mutex<[(name: String, value: String)]>([])

    /// Where the settings' files are, when there is such a directory.
    public static let directorySetting: Setting<String?> = .optionalText(
        "CONFIG_DIRECTORY",
        "A directory holding a file per setting, named like its option without the leading dashes (`jwt-issuer`), such as a mounted Kubernetes ConfigMap or Secret; options and environment variables win over it")

    /// Options and environment variables only (tests and tools).
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) throws(ConfigurationError) {
        self.optionNames = try Self.validatedOptionNames(arguments)
        self.reader = ConfigReader(providers: Self.providers(environment: environment, arguments: arguments), accessReporter: accesses)
    }

    /// Options, environment variables and, when `CONFIG_DIRECTORY` is set, its files.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) async throws(ConfigurationError) -> ConfigurationReader {
        let first = try ConfigurationReader(environment: environment, arguments: arguments)
        guard let directory = try first.read(directorySetting) else { return first }
        let files: DirectoryFilesProvider
        do {
            // A mounted ConfigMap holds settings that are no secret; those that are, are read as secrets anyway.
            files = try await DirectoryFilesProvider(directoryPath: FilePath(directory), secretsSpecifier: .none)
        } catch {
            throw ConfigurationError(variable: directorySetting.name, problem: "'\(directory)' cannot be read: \(error)")
        }
        return try ConfigurationReader(environment: environment, arguments: arguments, files: files)
    }

    private init(environment: [String: String], arguments: [String], files: DirectoryFilesProvider) throws(ConfigurationError) {
        self.optionNames = try Self.validatedOptionNames(arguments)
        self.reader = ConfigReader(
            providers: Self.providers(environment: environment, arguments: arguments) + [files], accessReporter: accesses)
        _ = try read(Self.directorySetting)
    }

    private static func providers(environment: [String: String], arguments: [String]) -> [any ConfigProvider] {
        [CommandLineArgumentsProvider(arguments: ["service"] + arguments), EnvironmentVariablesProvider(environmentVariables: environment)]
    }

    // MARK: Reading

    /// The setting's value: the first place's that has one, else its default.
    public func read<Value>(_ setting: Setting<Value>) throws(ConfigurationError) -> Value {
        guard let text = text(of: setting) else { return setting.defaultValue }
        do {
            return try setting.parse(text)
        } catch {
            throw ConfigurationError(variable: setting.name, problem: error.text)
        }
    }

    /// The setting's text as found, nil when no place has one.
    public func text<Value>(of setting: Setting<Value>) -> String? {
        readNames.withLock { _ = $0.insert(setting.name) }
        let key = ConfigKey(setting.name.lowercased().split(separator: "_").map(String.init))
        guard let text = reader.string(forKey: key, isSecret: setting.isSecret), !text.isEmpty else { return nil }
        let source = accesses.source(of: key)
        explicit.withLock { $0.append((setting.name, "\(setting.isSecret ? Self.redacted : text) (\(source))")) }
        return text
    }

    /// The names of the settings read so far (whether or not they had a value).
    public var settingsRead: Set<String> { readNames.withLock { $0 } }

    /// How a secret is shown.
    public static let redacted = "<secret>"

    /// Every setting that was given a value, with where it came from, secrets redacted: what a service
    /// logs at start (`PORT`: `9000 (option)`, `INGEST_KEYS`: `<secret> (environment)`).
    public func report() -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        for (name, value) in explicit.withLock({ $0 }) { metadata[name] = .string(value) }
        return metadata
    }

    /// Fails for a command-line option that no setting was read for: almost always a typo.
    public func rejectUnreadOptions() throws(ConfigurationError) {
        let read = readNames.withLock { $0 }
        if let unknown = optionNames.sorted().first(where: { !read.contains($0) }) {
            throw ConfigurationError(variable: Self.optionName(unknown), problem: "unknown option")
        }
    }

    // MARK: Options

    /// The variables the options name (`--jwt-issuer` → `JWT_ISSUER`), after checking that every argument
    /// is an option with a value.
    static func validatedOptionNames(_ arguments: [String]) throws(ConfigurationError) -> Set<String> {
        var names: Set<String> = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ConfigurationError(variable: argument, problem: "expected an option such as --port 8081")
            }
            let body = argument.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                names.insert(variableName(body[..<equals]))
            } else {
                guard index + 1 < arguments.endIndex, !arguments[index + 1].hasPrefix("--") else {
                    throw ConfigurationError(variable: argument, problem: "needs a value")
                }
                index += 1
                names.insert(variableName(body))
            }
            index += 1
        }
        return names
    }

    /// `jwt-issuer` → `JWT_ISSUER`
    static func variableName(_ option: Substring) -> String {
        option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `JWT_ISSUER` → `--jwt-issuer`
    static func optionName(_ variable: String) -> String {
        "--" + variable.lowercased().replacingOccurrences(of: "_", with: "-")
    }
}

/// The last access of each key, for where its value came from.
private final class AccessRecord: AccessReporter {
    private let sources = Mutex<[AbsoluteConfigKey: String]>([:])

    func report(_ event: AccessEvent) {
        let provider = event.providerResults.first { result in
            if case .success(let lookup) = result.result { lookup.value != nil } else { false }
        }
        sources.withLock { $0[event.metadata.key] = provider?.providerName ?? "default" }
    }

    func source(of key: ConfigKey) -> String {
        switch sources.withLock({ $0[AbsoluteConfigKey(key)] }) {
        case "CommandLineArgumentsProvider": "option"
        case "EnvironmentVariablesProvider": "environment"
        case "DirectoryFilesProvider": "file"
        case let other: other ?? "unknown"
        }
    }
}
