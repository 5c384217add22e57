import Foundation

/// An event as a service sends it to the collector (`POST /v1/events`), with the contract's
/// `snake_case` keys spelt out so that encoding needs no key strategy.
public struct ObservedEvent: Encodable, Sendable, Equatable {
    public enum Kind: String, Encodable, Sendable {
        case request
        case error
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

    public init(type: Kind, at date: Date, service: String) {
        self.type = type
        self.ts = Timestamp.format(date)
        self.service = service
    }

    enum CodingKeys: String, CodingKey {
        case type, ts, service, method, path, route, status, level, message
        case tenantID = "tenant_id", userID = "user_id", requestID = "request_id", durationMs = "duration_ms"
        case clientIP = "client_ip", userAgent = "user_agent", errorType = "error_type"
    }
}
