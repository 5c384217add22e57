import Foundation

/// What the collector accepts of an event, in one place for both sides: the collector validates with
/// these limits and the services' shipper clamps to them, counting the same way (Unicode scalars), so
/// that a sender never ships an event the collector would refuse.
extension ObservedEvent {
    /// A text field's bounds: its length in Unicode scalars and which characters it may hold.
    public struct TextLimit: Sendable {
        public let name: String
        public let keyPath: any WritableKeyPath<ObservedEvent, String?> & Sendable
        public let length: ClosedRange<Int>
        public let kind: TextKind
    }

    public static let textLimits: [TextLimit] = [
        TextLimit(name: "request_id", keyPath: \.requestID, length: 0...128, kind: .singleLine),
        TextLimit(name: "method", keyPath: \.method, length: 1...16, kind: .singleLine),
        TextLimit(name: "path", keyPath: \.path, length: 1...2048, kind: .singleLine),
        TextLimit(name: "route", keyPath: \.route, length: 0...256, kind: .singleLine),
        TextLimit(name: "client_ip", keyPath: \.clientIP, length: 0...64, kind: .singleLine),
        TextLimit(name: "user_agent", keyPath: \.userAgent, length: 0...512, kind: .singleLine),
        TextLimit(name: "level", keyPath: \.level, length: 0...16, kind: .singleLine),
        TextLimit(name: "message", keyPath: \.message, length: 1...4096, kind: .multiline),
        TextLimit(name: "error_type", keyPath: \.errorType, length: 0...256, kind: .singleLine),
    ]

    /// `duration_ms`: from 0 to a day.
    public static let durationRange: ClosedRange<Double> = 0...86_400_000
    /// `status`: an HTTP status.
    public static let statusRange: ClosedRange<Int> = 100...599

    /// The event cut to the collector's limits: each text has its refused characters replaced by
    /// U+FFFD and is cut to its longest length (an empty required text gets a placeholder), the
    /// duration is held within a day and a status outside 100–599 is dropped.
    public func clamped() -> ObservedEvent {
        var event = self
        for limit in Self.textLimits {
            guard let text = event[keyPath: limit.keyPath] else { continue }
            event[keyPath: limit.keyPath] = Self.clamp(text, limit)
        }
        if let duration = event.durationMs {
            event.durationMs = duration.isFinite ? min(max(duration, Self.durationRange.lowerBound), Self.durationRange.upperBound) : 0
        }
        if let status = event.status, !Self.statusRange.contains(status) { event.status = nil }
        return event
    }

    static func clamp(_ text: String, _ limit: TextLimit) -> String {
        if text.utf8.count <= limit.length.upperBound, TextRules.problem(of: text, limit.kind) == nil {
            return text.isEmpty && limit.length.lowerBound > 0 ? "-" : text
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(limit.length.upperBound) {
            let refused = TextRules.isControl(scalar) && !(limit.kind == .multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t"))
            scalars.append(refused ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }
}
