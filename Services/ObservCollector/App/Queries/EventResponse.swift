import Foundation
import ServiceKit

/// A stored event on the wire: its fields, with `id` (opaque) and `received_at`; absent fields are left out.
struct EventResponse: Codable, Sendable, Equatable {
    var id: String
    var type: StoredEvent.Kind
    var ts: Date
    var receivedAt: Date
    var service: String
    var tenantId: String?
    var userId: String?
    var requestId: String?
    var method: String?
    var path: String?
    var route: String?
    var status: Int?
    var durationMs: Double?
    var clientIp: String?
    var userAgent: String?
    var level: String?
    var message: String?
    var errorType: String?
    var traceId: String?
    var spanId: String?
    var action: String?
    var outcome: String?
    var actorId: String?
    var subjectId: String?
    var reason: String?

    init(_ event: StoredEvent) {
        id = String(event.id ?? 0)
        type = event.type
        ts = event.ts
        receivedAt = event.receivedAt
        service = event.service
        tenantId = event.tenantID?.lowercasedString
        userId = event.userID?.lowercasedString
        requestId = event.requestID
        method = event.method
        path = event.path
        route = event.route
        status = event.status
        durationMs = event.durationMs
        clientIp = event.clientIP
        userAgent = event.userAgent
        level = event.level
        message = event.message
        errorType = event.errorType
        traceId = event.traceID
        spanId = event.spanID
        action = event.action
        outcome = event.outcome
        actorId = event.actorID?.lowercasedString
        subjectId = event.subjectID?.lowercasedString
        reason = event.reason
    }
}

/// `GET /v1/traces/{trace_id}`: the trace's events, oldest first.
struct TraceResponse: Codable, Sendable {
    var traceId: String
    var items: [EventResponse]
}
