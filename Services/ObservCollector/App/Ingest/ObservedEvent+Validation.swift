import Foundation
import ServiceKit

/// The collector's checks of an incoming event, with the limits that senders clamp to
/// (`ObservedEvent.textLimits`, `durationRange`, `statusRange` in ServiceKit).
extension ObservedEvent {
    /// The event to store, or the problems of the event at `index` (fields named `events[index].field`).
    /// Valid events take a quick path that builds no field names; the detailed check runs only to
    /// explain a refusal.
    func validated(index: Int, keyService: String, receivedAt: Date) -> Result<StoredEvent, AppError> {
        let tenant = tenantID.flatMap { UUID(parsing: $0) }
        let user = userID.flatMap { UUID(parsing: $0) }
        let actor = actorID.flatMap { UUID(parsing: $0) }
        let subject = subjectID.flatMap { UUID(parsing: $0) }
        guard let time = Timestamp.parse(ts), isValid(keyService: keyService, tenant: tenant, user: user, actor: actor, subject: subject) else {
            return .failure(AppError.validationFailed(problems(index: index, keyService: keyService)))
        }
        let method = method.map { $0.utf8.contains { (97...122).contains($0) } ? $0.uppercased() : $0 }
        return .success(StoredEvent(
            type: type, ts: time, receivedAt: receivedAt, service: keyService, tenantID: tenant, userID: user,
            requestID: requestID, method: method, path: path, route: route, status: status, durationMs: durationMs,
            clientIP: clientIP, userAgent: userAgent, level: level, message: message, errorType: errorType,
            traceID: traceID, spanID: spanID, action: action, outcome: outcome, actorID: actor, subjectID: subject, reason: reason))
    }

    private func isValid(keyService: String, tenant: UUID?, user: UUID?, actor: UUID?, subject: UUID?) -> Bool {
        guard service == keyService, (tenantID == nil) == (tenant == nil), (userID == nil) == (user == nil),
            (actorID == nil) == (actor == nil), (subjectID == nil) == (subject == nil),
            traceID.map(Self.isTraceID) ?? true, spanID.map(Self.isSpanID) ?? true, textsKeepTheirLimits
        else { return false }
        if let status, !Self.statusRange.contains(status) { return false }
        if let durationMs, !Self.durationRange.contains(durationMs) { return false }
        switch type {
        case .request: return method != nil && path != nil && status != nil && durationMs != nil
        case .error: return message != nil
        case .audit: return action != nil && outcome != nil
        }
    }

    /// Every problem of the event, for the 400.
    private func problems(index: Int, keyService: String) -> [FieldError] {
        var validator = FieldValidator()
        let prefix = "events[\(index)]."
        validator.check(Timestamp.parse(ts) != nil, prefix + "ts", "must be an RFC 3339 timestamp")
        validator.check(service == keyService, prefix + "service", "must be the ingest key's service (\(keyService))")
        for limit in Self.textLimits {
            validator.checkText(self[keyPath: limit.keyPath], prefix + limit.name, limit.length, limit.kind)
        }
        validator.check(tenantID.map { UUID(parsing: $0) != nil } ?? true, prefix + "tenant_id", "must be a UUID")
        for (id, name) in [(userID, "user_id"), (actorID, "actor_id"), (subjectID, "subject_id")] {
            validator.check(id.map { UUID(parsing: $0) != nil } ?? true, prefix + name, "must be a UUID")
        }
        validator.check(traceID.map(Self.isTraceID) ?? true, prefix + "trace_id", "must be 32 lower-case hex digits")
        validator.check(spanID.map(Self.isSpanID) ?? true, prefix + "span_id", "must be 16 lower-case hex digits")
        if let status { validator.check(Self.statusRange.contains(status), prefix + "status", "must be an HTTP status (100–599)") }
        if let durationMs {
            validator.check(Self.durationRange.contains(durationMs), prefix + "duration_ms", "must be a number of milliseconds from 0 to 86400000 (a day)")
        }
        switch type {
        case .request:
            validator.check(method != nil, prefix + "method", "is required for a request event")
            validator.check(path != nil, prefix + "path", "is required for a request event")
            validator.check(status != nil, prefix + "status", "is required for a request event")
            validator.check(durationMs != nil, prefix + "duration_ms", "is required for a request event")
        case .error:
            validator.check(message != nil, prefix + "message", "is required for an error event")
        case .audit:
            validator.check(action != nil, prefix + "action", "is required for an audit event")
            validator.check(outcome != nil, prefix + "outcome", "is required for an audit event")
        }
        return validator.problems
    }
}

/// `{"events": [...]}`.
struct IngestRequestBody: Decodable, Sendable {
    var events: [ObservedEvent]
}
