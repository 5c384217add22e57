import Foundation
import Logging
import Synchronization

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

/// Reads configuration from command-line options and environment variables, options first.
///
/// Every setting has one name, the environment variable's (`JWT_ISSUER`); its option is the same
/// name in lower case with dashes (`--jwt-issuer value` or `--jwt-issuer=value`). Typed getters turn
/// a bad value into a `ConfigurationError` naming the variable, and `rejectUnreadOptions()` turns a
/// mistyped option into one too.
public final class ConfigurationReader: Sendable {
    private let environment: [String: String]
    private let options: [String: String]
    private let readNames = Mutex<Set<String>>([])

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) throws(ConfigurationError) {
        self.environment = environment
        self.options = try Self.parseOptions(arguments)
    }

    // MARK: Typed values

    /// The raw value, option before environment; an empty value counts as absent.
    public func string(_ name: String) -> String? {
        readNames.withLock { _ = $0.insert(name) }
        let value = options[name] ?? environment[name]
        return value?.isEmpty == false ? value : nil
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        string(name) ?? defaultValue
    }

    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(variable: name, problem: "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// A TCP port, 0 (any free port) to 65535.
    public func port(_ name: String = "PORT", default defaultValue: Int) throws(ConfigurationError) -> Int {
        try int(name, default: defaultValue, in: 0...65535)
    }

    /// A duration: a whole number of seconds (`900`) or with a unit (`500ms`, `30s`, `15m`, `12h`, `7d`).
    public func duration(_ name: String, default defaultValue: Duration, atLeast minimum: Duration = .zero) throws(ConfigurationError) -> Duration {
        guard let text = string(name) else { return defaultValue }
        guard let value = Self.parseDuration(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not a duration of at most ten years (examples: 30, 30s, 15m, 12h, 7d)")
        }
        guard value >= minimum else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is shorter than the minimum \(minimum)")
        }
        return value
    }

    /// One of an enumeration's raw values, compared without regard to case.
    public func choice<Value: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: Value) throws(ConfigurationError) -> Value
    where Value.RawValue == String {
        guard let text = string(name) else { return defaultValue }
        guard let value = Value.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: name, problem: "'\(text)' is not one of \(allowed)")
        }
        return value
    }

    /// An absolute http(s) URL.
    public func url(_ name: String, default defaultValue: String) throws(ConfigurationError) -> URL {
        let text = string(name, default: defaultValue)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not an http or https URL")
        }
        return url
    }

    public func logLevel(_ name: String = "LOG_LEVEL", default defaultValue: Logger.Level = .info) throws(ConfigurationError) -> Logger.Level {
        try choice(name, default: defaultValue)
    }

    /// Fails for a command-line option that no getter asked for: almost always a typo.
    public func rejectUnreadOptions() throws(ConfigurationError) {
        let read = readNames.withLock { $0 }
        if let unknown = options.keys.sorted().first(where: { !read.contains($0) }) {
            throw ConfigurationError(variable: Self.optionName(unknown), problem: "unknown option")
        }
    }

    // MARK: Parsing

    static func parseOptions(_ arguments: [String]) throws(ConfigurationError) -> [String: String] {
        var options: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ConfigurationError(variable: argument, problem: "expected an option such as --port 8081")
            }
            let body = argument.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                options[variableName(body[..<equals])] = String(body[body.index(after: equals)...])
            } else {
                guard index + 1 < arguments.endIndex else {
                    throw ConfigurationError(variable: argument, problem: "needs a value")
                }
                index += 1
                options[variableName(body)] = arguments[index]
            }
            index += 1
        }
        return options
    }

    /// `jwt-issuer` → `JWT_ISSUER`
    static func variableName(_ option: Substring) -> String {
        option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `JWT_ISSUER` → `--jwt-issuer`
    static func optionName(_ variable: String) -> String {
        "--" + variable.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// The longest duration a setting takes: ten years. Longer ones would overflow the arithmetic of
    /// times that they feed (an expiry in milliseconds, a token's `exp`).
    static let longestDuration: Double = 10 * 366 * 86_400

    static func parseDuration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let number = Double(text.dropLast(unit.suffix.count)), number >= 0, number * unit.seconds <= longestDuration else { return nil }
            return .milliseconds(Int64((number * unit.seconds * 1000).rounded()))
        }
        guard let seconds = Int64(text), seconds >= 0, Double(seconds) <= longestDuration else { return nil }
        return .seconds(seconds)
    }
}
