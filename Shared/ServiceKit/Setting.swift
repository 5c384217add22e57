import Foundation
import Logging

/// One setting of a service, in one place: its name (the environment variable's, `JWT_ISSUER`; the
/// option is `--jwt-issuer`, the file in `CONFIG_DIRECTORY` `jwt-issuer`), its default, what it is for,
/// whether it is a secret (never printed, logged or reported), and how its text becomes a value. A
/// text it cannot use stops the service with a message naming the variable (`ConfigurationError`); the
/// parser of a secret says what is wrong without repeating the text.
public struct Setting<Value: Sendable>: Sendable {
    public let name: String
    public let defaultValue: Value
    public let documentation: String
    public let isSecret: Bool
    let parse: @Sendable (String) throws(SettingProblem) -> Value

    public init(
        _ name: String, default defaultValue: Value, secret: Bool = false, _ documentation: String,
        parse: @escaping @Sendable (String) throws(SettingProblem) -> Value
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.documentation = documentation
        self.isSecret = secret
        self.parse = parse
    }
}

extension Setting {
    /// A setting whose value's own parser says what is wrong as a `ConfigurationError` (`AllowedOrigins`,
    /// the collector's `IngestKeys`).
    public static func parsed(
        _ name: String, default defaultValue: Value, secret: Bool = false, _ documentation: String,
        by parse: @escaping @Sendable (String) throws(ConfigurationError) -> Value
    ) -> Setting {
        Setting(name, default: defaultValue, secret: secret, documentation) { text throws(SettingProblem) in
            do throws(ConfigurationError) {
                return try parse(text)
            } catch {
                throw SettingProblem(error.problem)
            }
        }
    }
}

/// Why a setting's text cannot be used; `ConfigurationReader` names the variable.
public struct SettingProblem: Error, Sendable {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }
}

extension Setting where Value == String {
    /// Any text.
    public static func text(_ name: String, default defaultValue: String, secret: Bool = false, _ documentation: String) -> Setting {
        Setting(name, default: defaultValue, secret: secret, documentation) { $0 }
    }
}

extension Setting where Value == String? {
    /// Any text, or nothing when unset.
    public static func optionalText(_ name: String, secret: Bool = false, _ documentation: String) -> Setting {
        Setting(name, default: nil, secret: secret, documentation) { $0 }
    }
}

extension Setting where Value == Int {
    /// A whole number within `range`.
    public static func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>, _ documentation: String) -> Setting {
        Setting(name, default: defaultValue, documentation) { text throws(SettingProblem) in
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw SettingProblem("'\(text)' is not a whole number") }
            guard range.contains(value) else { throw SettingProblem("\(value) is outside \(range.lowerBound)…\(range.upperBound)") }
            return value
        }
    }

    /// A TCP port, 0 (any free port) to 65535.
    public static func port(default defaultValue: Int) -> Setting {
        .integer("PORT", default: defaultValue, in: 0...65535, "The TCP port the service listens on")
    }
}

extension Setting where Value == Duration {
    /// A duration: a whole number of seconds (`900`) or with a unit (`500ms`, `30s`, `15m`, `12h`, `7d`).
    public static func duration(
        _ name: String, default defaultValue: Duration, atLeast minimum: Duration = .zero, _ documentation: String
    ) -> Setting {
        Setting(name, default: defaultValue, documentation) { text throws(SettingProblem) in
            guard let value = Self.parseDuration(text.trimmingCharacters(in: .whitespaces)) else {
                throw SettingProblem("'\(text)' is not a duration of at most ten years (examples: 30, 30s, 15m, 12h, 7d)")
            }
            guard value >= minimum else { throw SettingProblem("'\(text)' is shorter than the minimum \(minimum)") }
            return value
        }
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

extension Setting where Value == URL {
    /// An absolute http(s) URL.
    public static func url(_ name: String, default defaultValue: String, _ documentation: String) -> Setting {
        Setting(name, default: URL(string: defaultValue)!, documentation, parse: parseHTTPURL)
    }
}

extension Setting where Value == URL? {
    /// An absolute http(s) URL, or nothing when unset (the default is then derived, as `documentation` says).
    public static func optionalURL(_ name: String, _ documentation: String) -> Setting {
        Setting(name, default: nil, documentation) { text throws(SettingProblem) in try parseHTTPURL(text) }
    }
}

@Sendable func parseHTTPURL(_ text: String) throws(SettingProblem) -> URL {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
        throw SettingProblem("'\(text)' is not an http or https URL")
    }
    return url
}

extension Setting where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enumeration's raw values, compared without regard to case.
    public static func choice(_ name: String, default defaultValue: Value, _ documentation: String) -> Setting {
        Setting(name, default: defaultValue, documentation) { text throws(SettingProblem) in
            guard let value = Value.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
                throw SettingProblem("'\(text)' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }
}
