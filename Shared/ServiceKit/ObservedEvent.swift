import Foundation

/// An event on the wire of `POST /v1/events`: what the services' shipper encodes and what the
/// collector decodes. The contract's `snake_case` keys are spelt out and `ts` is kept as its RFC 3339
/// text, so that a plain `JSONDecoder` reads a batch without key or date strategies (they cost more
/// than the rest of the decoding together); the collector parses and checks `ts` when it validates.
/// Fields this version does not know are ignored, so that senders can be upgraded first.
public struct ObservedEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case request
        case error
        /// A security-relevant action (the auth service's audit trail): `action` and `outcome` required.
        case audit
    }

    public var type: Kind
    /// RFC 3339 with milliseconds.
    public var ts: String
    public var service: String
    public var tenantID: String?
    public var userID: String?
    public var requestID: String?
    public var method: String?
    public var path: String?
    public var route: String?
    public var status: Int?
    public var durationMs: Double?
    public var clientIP: String?
    public var userAgent: String?
    public var level: String?
    public var message: String?
    public var errorType: String?
    /// W3C trace context: 32 and 16 lower-case hex digits.
    public var traceID: String?
    public var spanID: String?
    /// What an audit event records: who (`actorID`) did what (`action`) to whom (`subjectID`), how it
    /// ended (`outcome`) and why, when it failed (`reason`, a code).
    public var action: String?
    public var outcome: String?
    public var actorID: String?
    public var subjectID: String?
    public var reason: String?

    public init(type: Kind, at date: Date, service: String) {
        self.type = type
        self.ts = Timestamp.format(date)
        self.service = service
    }

    /// An event whose `ts` is already text (as read from the wire).
    public init(type: Kind, ts: String, service: String) {
        self.type = type
        self.ts = ts
        self.service = service
    }

    enum CodingKeys: String, CodingKey {
        case type, ts, service, method, path, route, status, level, message
        case tenantID = "tenant_id", userID = "user_id", requestID = "request_id", durationMs = "duration_ms"
        case clientIP = "client_ip", userAgent = "user_agent", errorType = "error_type"
        case traceID = "trace_id", spanID = "span_id", action, outcome, actorID = "actor_id", subjectID = "subject_id", reason
    }
}

/// Written member by member, in the order of `CodingKeys` (the synthesized conformance's): the shipper
/// writes one for every request a service answers (`EventShipperTests` holds this to that conformance).
extension ObservedEvent: ContractJSONWritable {
    public func write(to json: inout ContractJSONOutput) {
        json.beginObject()
        json.field("type", type.rawValue)
        json.field("ts", ts)
        json.field("service", service)
        json.field("method", ifPresent: method)
        json.field("path", ifPresent: path)
        json.field("route", ifPresent: route)
        json.field("status", ifPresent: status)
        json.field("level", ifPresent: level)
        json.field("message", ifPresent: message)
        json.field("tenant_id", ifPresent: tenantID)
        json.field("user_id", ifPresent: userID)
        json.field("request_id", ifPresent: requestID)
        json.field("duration_ms", ifPresent: durationMs)
        json.field("client_ip", ifPresent: clientIP)
        json.field("user_agent", ifPresent: userAgent)
        json.field("error_type", ifPresent: errorType)
        json.field("trace_id", ifPresent: traceID)
        json.field("span_id", ifPresent: spanID)
        json.field("action", ifPresent: action)
        json.field("outcome", ifPresent: outcome)
        json.field("actor_id", ifPresent: actorID)
        json.field("subject_id", ifPresent: subjectID)
        json.field("reason", ifPresent: reason)
        json.endObject()
    }
}
