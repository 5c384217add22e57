import DatabaseKit
import Foundation
import GRDB
import ServiceKit

/// Events in SQLite.
struct SQLiteEventStore: EventStore {
    let database: DatabasePool

    static let insertSQL = """
        INSERT INTO events (type, ts, received_at, service, tenant_id, user_id, request_id, method, path, route, status,
                            duration_ms, client_ip, user_agent, level, message, error_type)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    func insert(_ events: [StoredEvent]) async throws {
        try await database.write { db in
            // One prepared statement for the whole transaction; arguments set without GRDB's per-call checks.
            let statement = try db.cachedStatement(sql: Self.insertSQL)
            for event in events {
                statement.setUncheckedArguments([
                    event.type.rawValue, event.ts.millisecondsSince1970, event.receivedAt.millisecondsSince1970, event.service,
                    event.tenantID?.lowercasedString, event.userID?.lowercasedString, event.requestID, event.method, event.path,
                    event.route, event.status, event.durationMs, event.clientIP, event.userAgent, event.level, event.message,
                    event.errorType,
                ])
                try statement.execute()
            }
        }
    }

    func events(matching query: EventQuery, page: PageRequest) async throws -> [StoredEvent] {
        let (sql, arguments) = Self.eventsQuery(query, page: page)
        return try await database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.event)
        }
    }

    static func eventsQuery(_ query: EventQuery, page: PageRequest) -> (String, StatementArguments) {
        var sql = "SELECT * FROM events WHERE tenant_id = ? AND type = ?"
        var arguments: StatementArguments = [query.tenantID.lowercasedString, query.type.rawValue]
        if let from = query.from { sql += " AND ts >= ?"; arguments += [from.millisecondsSince1970] }
        if let to = query.to { sql += " AND ts < ?"; arguments += [to.millisecondsSince1970] }
        switch query.status {
        case .exactly(let status): sql += " AND status = ?"; arguments += [status]
        case .inClass(let hundreds): sql += " AND status >= ? AND status < ?"; arguments += [hundreds * 100, hundreds * 100 + 100]
        case nil: break
        }
        if let method = query.method { sql += " AND method = ?"; arguments += [method] }
        if let path = query.path { sql += " AND path = ?"; arguments += [path] }
        if let userID = query.userID { sql += " AND user_id = ?"; arguments += [userID.lowercasedString] }
        if let service = query.service { sql += " AND service = ?"; arguments += [service] }
        if let requestID = query.requestID { sql += " AND request_id = ?"; arguments += [requestID] }
        if let after = page.after {
            sql += " AND (ts, id) < (?, ?)"
            arguments += [after.timestamp, Int64(after.id) ?? 0]
        }
        sql += " ORDER BY ts DESC, id DESC LIMIT ?"
        arguments += [page.limit + 1]
        return (sql, arguments)
    }

    func requestSamples(tenantID: UUID, since: Date) async throws -> [RequestSample] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT service, COALESCE(route, path) AS route, status, duration_ms FROM events
                    WHERE tenant_id = ? AND type = 'request' AND ts >= ?
                    """,
                arguments: [tenantID.lowercasedString, since.millisecondsSince1970]
            ).map { RequestSample(service: $0["service"], route: $0["route"], status: $0["status"], durationMs: $0["duration_ms"]) }
        }
    }

    func deleteReceived(before date: Date, limit: Int) async throws -> Int {
        try await database.write { db in
            // Ids grow with arrival: the old events are the lowest ids, found without an index on time.
            let firstKept = try Int64.fetchOne(
                db, sql: "SELECT id FROM events WHERE received_at >= ? ORDER BY id LIMIT 1", arguments: [date.millisecondsSince1970])
            try db.execute(
                sql: "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < ? ORDER BY id LIMIT ?)",
                arguments: [firstKept ?? Int64.max, limit])
            return db.changesCount
        }
    }

    func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    static func event(_ row: Row) -> StoredEvent {
        StoredEvent(
            id: row["id"], type: StoredEvent.Kind(rawValue: row["type"]) ?? .request, ts: row.date("ts"),
            receivedAt: row.date("received_at"), service: row["service"],
            tenantID: (row["tenant_id"] as String?).flatMap(UUID.init(uuidString:)),
            userID: (row["user_id"] as String?).flatMap(UUID.init(uuidString:)), requestID: row["request_id"], method: row["method"],
            path: row["path"], route: row["route"], status: row["status"], durationMs: row["duration_ms"], clientIP: row["client_ip"],
            userAgent: row["user_agent"], level: row["level"], message: row["message"], errorType: row["error_type"])
    }
}
