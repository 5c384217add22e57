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

    static let requestIDLimit = TextLimit(name: "request_id", keyPath: \.requestID, length: 0...128, kind: .singleLine)
    static let methodLimit = TextLimit(name: "method", keyPath: \.method, length: 1...16, kind: .singleLine)
    static let pathLimit = TextLimit(name: "path", keyPath: \.path, length: 1...2048, kind: .singleLine)
    static let routeLimit = TextLimit(name: "route", keyPath: \.route, length: 0...256, kind: .singleLine)
    static let clientIPLimit = TextLimit(name: "client_ip", keyPath: \.clientIP, length: 0...64, kind: .singleLine)
    static let userAgentLimit = TextLimit(name: "user_agent", keyPath: \.userAgent, length: 0...512, kind: .singleLine)
    static let levelLimit = TextLimit(name: "level", keyPath: \.level, length: 0...16, kind: .singleLine)
    static let messageLimit = TextLimit(name: "message", keyPath: \.message, length: 1...4096, kind: .multiline)
    static let errorTypeLimit = TextLimit(name: "error_type", keyPath: \.errorType, length: 0...256, kind: .singleLine)
    static let actionLimit = TextLimit(name: "action", keyPath: \.action, length: 1...64, kind: .singleLine)
    static let outcomeLimit = TextLimit(name: "outcome", keyPath: \.outcome, length: 1...32, kind: .singleLine)
    static let reasonLimit = TextLimit(name: "reason", keyPath: \.reason, length: 0...128, kind: .singleLine)

    public static let textLimits: [TextLimit] = [
        requestIDLimit, methodLimit, pathLimit, routeLimit, clientIPLimit, userAgentLimit, levelLimit, messageLimit, errorTypeLimit,
        actionLimit, outcomeLimit, reasonLimit,
    ]

    /// `trace_id` and `span_id`: W3C trace context ids, 32 and 16 lower-case hex digits.
    public static func isTraceID(_ text: String) -> Bool { isHexID(text, length: 32) }
    public static func isSpanID(_ text: String) -> Bool { isHexID(text, length: 16) }

    private static func isHexID(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `duration_ms`: from 0 to a day.
    public static let durationRange: ClosedRange<Double> = 0...86_400_000
    /// `status`: an HTTP status.
    public static let statusRange: ClosedRange<Int> = 100...599

    /// The event cut to the collector's limits: each text has its refused characters replaced by
    /// U+FFFD and is cut to its longest length (an empty required text gets a placeholder), the
    /// duration is held within a day, and a status outside 100–599 or a malformed trace or span id is dropped.
    public func clamped() -> ObservedEvent {
        var event = self
        // Field by field rather than through `textLimits`' key paths: writes through an existential key
        // path cost more than the checks (the shipper clamps every event it buffers).
        Self.clamp(&event.requestID, Self.requestIDLimit)
        Self.clamp(&event.method, Self.methodLimit)
        Self.clamp(&event.path, Self.pathLimit)
        Self.clamp(&event.route, Self.routeLimit)
        Self.clamp(&event.clientIP, Self.clientIPLimit)
        Self.clamp(&event.userAgent, Self.userAgentLimit)
        Self.clamp(&event.level, Self.levelLimit)
        Self.clamp(&event.message, Self.messageLimit)
        Self.clamp(&event.errorType, Self.errorTypeLimit)
        Self.clamp(&event.action, Self.actionLimit)
        Self.clamp(&event.outcome, Self.outcomeLimit)
        Self.clamp(&event.reason, Self.reasonLimit)
        if let id = event.traceID, !Self.isTraceID(id) { event.traceID = nil }
        if let id = event.spanID, !Self.isSpanID(id) { event.spanID = nil }
        if let duration = event.durationMs, !Self.durationRange.contains(duration) {
            event.durationMs = duration.isFinite ? min(max(duration, Self.durationRange.lowerBound), Self.durationRange.upperBound) : 0
        }
        if let status = event.status, !Self.statusRange.contains(status) { event.status = nil }
        return event
    }

    /// Whether every text keeps its limit: within its length in Unicode scalars, and no character its
    /// kind refuses (what the collector's validation requires; its refusal then names each field).
    /// Field by field, as `clamped()`: reading through `textLimits`' key paths copied the whole event for
    /// each text, a tenth of the collector's CPU under ingest.
    public var textsKeepTheirLimits: Bool {
        Self.keeps(requestID, Self.requestIDLimit) && Self.keeps(method, Self.methodLimit) && Self.keeps(path, Self.pathLimit)
            && Self.keeps(route, Self.routeLimit) && Self.keeps(clientIP, Self.clientIPLimit)
            && Self.keeps(userAgent, Self.userAgentLimit) && Self.keeps(level, Self.levelLimit)
            && Self.keeps(message, Self.messageLimit) && Self.keeps(errorType, Self.errorTypeLimit)
            && Self.keeps(action, Self.actionLimit) && Self.keeps(outcome, Self.outcomeLimit) && Self.keeps(reason, Self.reasonLimit)
    }

    static func keeps(_ text: String?, _ limit: TextLimit) -> Bool {
        guard let text else { return true }
        let bytes = text.utf8.count
        // UTF-8 bytes bound the scalar count from above: only long texts need counting.
        guard bytes >= limit.length.lowerBound, bytes <= limit.length.upperBound || text.unicodeScalars.count <= limit.length.upperBound
        else { return false }
        return TextRules.problem(of: text, limit.kind) == nil
    }

    /// Replaces `text` only when it breaks its limit (most texts do not, and are left untouched).
    static func clamp(_ text: inout String?, _ limit: TextLimit) {
        guard let value = text else { return }
        let fits = value.utf8.count <= limit.length.upperBound && (limit.length.lowerBound == 0 || !value.isEmpty)
        if fits, TextRules.problem(of: value, limit.kind) == nil { return }
        text = clamp(value, limit)
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
