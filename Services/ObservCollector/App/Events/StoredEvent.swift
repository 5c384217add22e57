import Foundation
import ServiceKit

/// An event as the collector keeps it. `id` is assigned by the store (nil before insertion).
public struct StoredEvent: Sendable, Equatable {
    public typealias Kind = ObservedEvent.Kind

    public var id: Int64?
    public var type: Kind
    public var ts: Date
    public var receivedAt: Date
    /// The service of the ingest key that sent it.
    public var service: String
    public var tenantID: UUID?
    public var userID: UUID?
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
    public var traceID: String?
    public var spanID: String?
    public var action: String?
    public var outcome: String?
    public var actorID: UUID?
    public var subjectID: UUID?
    public var reason: String?

    public init(
        id: Int64? = nil, type: Kind, ts: Date, receivedAt: Date, service: String, tenantID: UUID? = nil, userID: UUID? = nil,
        requestID: String? = nil, method: String? = nil, path: String? = nil, route: String? = nil, status: Int? = nil,
        durationMs: Double? = nil, clientIP: String? = nil, userAgent: String? = nil, level: String? = nil, message: String? = nil,
        errorType: String? = nil, traceID: String? = nil, spanID: String? = nil, action: String? = nil, outcome: String? = nil,
        actorID: UUID? = nil, subjectID: UUID? = nil, reason: String? = nil
    ) {
        self.id = id
        self.type = type
        self.ts = ts
        self.receivedAt = receivedAt
        self.service = service
        self.tenantID = tenantID
        self.userID = userID
        self.requestID = requestID
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.durationMs = durationMs
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.level = level
        self.message = message
        self.errorType = errorType
        self.traceID = traceID
        self.spanID = spanID
        self.action = action
        self.outcome = outcome
        self.actorID = actorID
        self.subjectID = subjectID
        self.reason = reason
    }
}
