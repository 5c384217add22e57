import Foundation
import ServiceKit

/// One event as a service sends it (`POST /v1/events`). Fields this version does not know are
/// ignored, so that senders can be upgraded first.
///
/// Its keys are spelt out in `snake_case` and `ts` is read by `Timestamp.parse`, so that a batch is
/// decoded by a plain `JSONDecoder` without key or date strategies: they cost more than the rest of
/// the decoding together.
struct IngestEvent: Decodable, Sendable {
    var type: StoredEvent.Kind
    var ts: Date
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

    enum CodingKeys: String, CodingKey {
        case type, ts, service, method, path, route, status, level, message
        case tenantId = "tenant_id", userId = "user_id", requestId = "request_id", durationMs = "duration_ms"
        case clientIp = "client_ip", userAgent = "user_agent", errorType = "error_type"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(StoredEvent.Kind.self, forKey: .type)
        guard let ts = Timestamp.parse(try container.decode(String.self, forKey: .ts)) else {
            throw DecodingError.dataCorruptedError(forKey: .ts, in: container, debugDescription: "must be an RFC 3339 timestamp")
        }
        self.ts = ts
        service = try container.decode(String.self, forKey: .service)
        tenantId = try container.decodeIfPresent(String.self, forKey: .tenantId)
        userId = try container.decodeIfPresent(String.self, forKey: .userId)
        requestId = try container.decodeIfPresent(String.self, forKey: .requestId)
        method = try container.decodeIfPresent(String.self, forKey: .method)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        route = try container.decodeIfPresent(String.self, forKey: .route)
        status = try container.decodeIfPresent(Int.self, forKey: .status)
        durationMs = try container.decodeIfPresent(Double.self, forKey: .durationMs)
        clientIp = try container.decodeIfPresent(String.self, forKey: .clientIp)
        userAgent = try container.decodeIfPresent(String.self, forKey: .userAgent)
        level = try container.decodeIfPresent(String.self, forKey: .level)
        message = try container.decodeIfPresent(String.self, forKey: .message)
        errorType = try container.decodeIfPresent(String.self, forKey: .errorType)
    }

    /// The accepted lengths of each text field, in Unicode scalars.
    static let limits: [(String, any KeyPath<IngestEvent, String?> & Sendable, ClosedRange<Int>)] = [
        ("request_id", \.requestId, 0...128), ("method", \.method, 1...16), ("path", \.path, 1...2048), ("route", \.route, 0...256),
        ("client_ip", \.clientIp, 0...64), ("user_agent", \.userAgent, 0...512), ("level", \.level, 0...16),
        ("message", \.message, 1...4096), ("error_type", \.errorType, 0...256),
    ]

    /// The event to store, or the problems of the event at `index` (fields named `events[index].field`).
    /// Valid events take a quick path that builds no field names; the detailed check runs only to
    /// explain a refusal.
    func validated(index: Int, keyService: String, receivedAt: Date) -> Result<StoredEvent, AppError> {
        let tenantID = tenantId.flatMap { UUID(parsing: $0) }
        let userID = userId.flatMap { UUID(parsing: $0) }
        guard isValid(keyService: keyService, tenantID: tenantID, userID: userID) else {
            return .failure(AppError.validationFailed(problems(index: index, keyService: keyService), message: "Event \(index) is not valid; nothing was stored"))
        }
        let method = method.map { $0.utf8.contains { (97...122).contains($0) } ? $0.uppercased() : $0 }
        return .success(StoredEvent(
            type: type, ts: ts, receivedAt: receivedAt, service: keyService, tenantID: tenantID, userID: userID,
            requestID: requestId, method: method, path: path, route: route, status: status, durationMs: durationMs,
            clientIP: clientIp, userAgent: userAgent, level: level, message: message, errorType: errorType))
    }

    private func isValid(keyService: String, tenantID: UUID?, userID: UUID?) -> Bool {
        guard service == keyService, (tenantId == nil) == (tenantID == nil), (userId == nil) == (userID == nil) else { return false }
        for (_, keyPath, lengths) in Self.limits {
            guard let text = self[keyPath: keyPath] else { continue }
            let bytes = text.utf8.count
            // UTF-8 bytes bound the scalar count from above: only long texts need counting.
            let scalars = bytes <= lengths.upperBound ? nil : text.unicodeScalars.count
            guard bytes >= lengths.lowerBound, scalars.map({ $0 <= lengths.upperBound }) ?? true, !text.utf8.contains(0) else { return false }
        }
        if let status, !(100...599).contains(status) { return false }
        if let durationMs, !(durationMs >= 0 && durationMs.isFinite) { return false }
        switch type {
        case .request: return method != nil && path != nil && status != nil && durationMs != nil
        case .error: return message != nil
        }
    }

    /// Every problem of the event, for the 400.
    private func problems(index: Int, keyService: String) -> [FieldError] {
        var validator = FieldValidator()
        let prefix = "events[\(index)]."
        validator.check(service == keyService, prefix + "service", "must be the ingest key's service (\(keyService))")
        for (name, keyPath, lengths) in Self.limits {
            validator.checkLength(self[keyPath: keyPath], prefix + name, lengths)
        }
        validator.check(tenantId == nil || UUID(parsing: tenantId!) != nil, prefix + "tenant_id", "must be a UUID")
        validator.check(userId == nil || UUID(parsing: userId!) != nil, prefix + "user_id", "must be a UUID")
        if let status { validator.check((100...599).contains(status), prefix + "status", "must be an HTTP status (100–599)") }
        if let durationMs { validator.check(durationMs >= 0 && durationMs.isFinite, prefix + "duration_ms", "must be a number of milliseconds ≥ 0") }
        switch type {
        case .request:
            validator.check(method != nil, prefix + "method", "is required for a request event")
            validator.check(path != nil, prefix + "path", "is required for a request event")
            validator.check(status != nil, prefix + "status", "is required for a request event")
            validator.check(durationMs != nil, prefix + "duration_ms", "is required for a request event")
        case .error:
            validator.check(message != nil, prefix + "message", "is required for an error event")
        }
        return validator.problems
    }
}

/// `{"events": [...]}`.
struct IngestBatch: Decodable, Sendable {
    var events: [IngestEvent]
}
