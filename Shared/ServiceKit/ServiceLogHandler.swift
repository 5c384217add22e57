import Foundation
import Logging
import Synchronization

/// How log lines are written: `text` for a terminal, `json` (one object a line) for production.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// A swift-log handler that writes one line per message to standard output, as text or JSON.
///
/// Text: `2026-11-22T10:04:05.123Z info auth-service: Listening request_id=… port=8081`
/// JSON: `{"ts":"2026-11-22T10:04:05.123Z","level":"info","logger":"auth-service","msg":"Listening","port":"8081"}`
public struct ServiceLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let sink: LogSink

    public init(label: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        // One id a request: Hummingbird's own (`hb.request.id`) is set to ours by `ServiceMiddleware`,
        // and shown only where ours is not there yet.
        if merged["request_id"] != nil { merged["hb.request.id"] = nil }
        let line =
            switch format {
            case .text: textLine(event, merged)
            case .json: jsonLine(event, merged)
            }
        sink.write(line)
    }

    /// A logged message or value longer than this many Unicode scalars is cut (a megabyte slug must not
    /// flood the log).
    static let maximumLength = 1_024

    /// `… info auth-service: Login refused reason="wrong password" tenant=acme`: one line whatever the
    /// values hold. Control characters are escaped (`\n`, `\u{1b}`), so that no value can start a line
    /// of its own, and a value with a space, a quote or `=` is quoted, so that none can forge a field.
    private func textLine(_ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var line = "\(Timestamp.format(Date())) \(event.level) \(label): " + Self.escaped(Self.truncated("\(event.message)"))
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " " + Self.escaped(key) + "=" + Self.textValue(Self.truncated("\(value)"))
        }
        return line + "\n"
    }

    private func jsonLine(_ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var line = "{\"ts\":\"\(Timestamp.format(Date()))\",\"level\":\"\(event.level)\",\"logger\":"
        line += Self.jsonString(label) + ",\"msg\":" + Self.jsonString(Self.truncated("\(event.message)"))
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += "," + Self.jsonString(key) + ":" + Self.jsonString(Self.truncated("\(value)"))
        }
        return line + "}\n"
    }

    /// `text`, or its first `maximumLength` scalars and how many more there were.
    static func truncated(_ text: String) -> String {
        guard text.utf8.count > maximumLength else { return text }
        let count = text.unicodeScalars.count
        guard count > maximumLength else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(maximumLength))) + "…(\(count - maximumLength) more)"
    }

    /// `text` with RFC 8259's escapes (`\\`, `\n`, `\u001b`) for backslashes and control characters
    /// (C1 and DEL included), and for quotes too when `quotes`: one escaping for both formats.
    static func escaped(_ text: String, quotes: Bool = false) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0x5C || (quotes && $0 == 0x22) }) else {
            return text
        }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where quotes: out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where TextRules.isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A metadata value of a text line: escaped, and quoted when it holds a space, a quote or `=`.
    static func textValue(_ text: String) -> String {
        guard text.isEmpty || text.utf8.contains(where: { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D }) else { return escaped(text) }
        return "\"" + escaped(text, quotes: true) + "\""
    }

    /// A JSON string literal for `text`, escaped per RFC 8259.
    static func jsonString(_ text: String) -> String {
        "\"" + escaped(text, quotes: true) + "\""
    }
}

/// Where log lines go: standard output, or a buffer that tests read back.
public final class LogSink: Sendable {
    private let isCapturing: Bool
    private let captured = Mutex<[String]>([])

    private init(capturing: Bool) {
        self.isCapturing = capturing
    }

    public static let standardOutput = LogSink(capturing: false)

    /// A sink that keeps every line in memory instead of printing it.
    public static func capturing() -> LogSink { LogSink(capturing: true) }

    /// The lines captured so far (empty for standard output).
    public var lines: [String] { captured.withLock { $0 } }

    func write(_ line: String) {
        if isCapturing {
            captured.withLock { $0.append(line) }
        } else {
            // Dropped when it cannot be written (no reader any more): a log line never stops the service.
            try? FileHandle.standardOutput.write(contentsOf: Data(line.utf8))
        }
    }
}

extension Logger {
    /// A logger writing through `ServiceLogHandler`; the executable bootstraps the logging system
    /// with the same handler so that library loggers match.
    public static func service(_ label: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardOutput) -> Logger {
        Logger(label: label) { label in ServiceLogHandler(label: label, level: level, format: format, sink: sink) }
    }
}
