import DatabaseKit
import Foundation
import NIOCore
import PostgresNIO
import ServiceKit
import Synchronization

/// Events in PostgreSQL: a batch is one `COPY … FROM STDIN` into the table partitioned by arrival day;
/// retention drops the days past it whole and deletes the rest of the boundary day in chunks.
final class PostgresEventStore: EventStore {
    let database: PostgreSQLDatabase
    let logger: Logger
    /// The arrival days whose partition is known to exist (days since the epoch).
    private let knownDays = Mutex(Set<Int64>())

    static let millisecondsPerDay: Int64 = 86_400_000
    static let columns = [
        "type", "ts", "received_at", "service", "tenant_id", "user_id", "request_id", "method", "path", "route", "status",
        "duration_ms", "client_ip", "user_agent", "level", "message", "error_type",
        "trace_id", "span_id", "action", "outcome", "actor_id", "subject_id", "reason",
    ]

    init(database: PostgreSQLDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Two: while one transaction waits for the server's answers, the other is written.
    var concurrentTransactions: Int { 2 }

    /// One transaction: the keys are recorded first (one statement) and the events of batches whose key
    /// was already there are left out; the rest go in one `COPY`, and their requests into the rollups
    /// (one statement). A replica recording the same key at the same moment waits for this
    /// transaction, then finds it.
    func insert(_ batches: [IngestBatch]) async throws -> [IngestReceipt?] {
        let receipts = batches.receiptsOfRepeatedKeys()
        let keyed = batches.indices.filter { receipts[$0] == nil && batches[$0].key != nil }
        let days = Set(batches.lazy.flatMap(\.events).map { Self.day(of: $0.receivedAt.millisecondsSince1970) })
        try await ensurePartitions(for: days)
        return try await database.transaction { [logger] connection in
            var receipts = receipts
            if !keyed.isEmpty {
                let repeated = try await Self.record(keyed.map { batches[$0] }, on: connection, logger: logger)
                for index in keyed {
                    receipts[index] = repeated[batches[index].key!]
                }
            }
            let fresh = batches.indices.filter { receipts[$0] == nil }.map { batches[$0] }
            try await Self.copy(fresh, on: connection, logger: logger)
            try await Self.add(RequestRollup.rows(of: fresh.lazy.flatMap(\.events)), on: connection, logger: logger)
            return receipts
        }
    }

    /// Adds `rows` to the rollups in one statement, in key order (two replicas adding to the same keys
    /// take their row locks in the same order).
    static func add(_ rows: [RequestRollupKey: RequestRollupCounts], on connection: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        let sorted = RequestRollup.sorted(rows)
        let tenants = sorted.map(\.key.tenantID)
        let minutes = sorted.map(\.key.minute)
        let services = sorted.map(\.key.service)
        let routes = sorted.map(\.key.route)
        let durations = sorted.map(\.key.durationMs)
        let counts = sorted.map(\.counts.count)
        let errors = sorted.map(\.counts.errors)
        _ = try await connection.query(
            """
            INSERT INTO request_rollups (tenant_id, minute, service, route, duration_ms, count, errors)
            SELECT * FROM unnest(\(tenants)::uuid[], \(minutes)::bigint[], \(services)::text[], \(routes)::text[],
                                 \(durations)::double precision[], \(counts)::bigint[], \(errors)::bigint[])
            ON CONFLICT (tenant_id, minute, service, route, duration_ms) DO UPDATE
                SET count = request_rollups.count + EXCLUDED.count, errors = request_rollups.errors + EXCLUDED.errors
            """,
            logger: logger
        ).collect()
    }

    private static func copy(_ batches: [IngestBatch], on connection: PostgresConnection, logger: Logger) async throws {
        let count = batches.reduce(0) { $0 + $1.events.count }
        guard count > 0 else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: count * 256)
        for batch in batches {
            for event in batch.events { CopyText.append(event, to: &buffer) }
        }
        let rows = buffer
        try await connection.copyFrom(table: "events", columns: Self.columns, logger: logger) { writer in
            try await writer.write(rows)
        }
    }

    /// Records the keys of `batches` (in key order, so that two replicas recording overlapping keys
    /// take their locks in the same order); returns the receipts of those already recorded within the window.
    private static func record(_ batches: [IngestBatch], on connection: PostgresConnection, logger: Logger) async throws -> [IngestBatchKey: IngestReceipt] {
        let sorted = batches.sorted { ($0.key!.sender, $0.key!.key) < ($1.key!.sender, $1.key!.key) }
        let senders = sorted.map { $0.key!.sender }
        let keys = sorted.map { $0.key!.key }
        let received = sorted.map { $0.receivedAt.millisecondsSince1970 }
        let accepted = sorted.map { Int64($0.receipt.accepted) }
        let dropped = sorted.map { Int64($0.receipt.dropped) }
        let window = Int64(IngestBatchKey.window * 1000)
        let recorded = try await connection.rows(
            """
            INSERT INTO ingest_batches (sender, key, received_at, accepted, dropped)
            SELECT * FROM unnest(\(senders)::text[], \(keys)::text[], \(received)::bigint[], \(accepted)::int[], \(dropped)::int[])
            ON CONFLICT (sender, key) DO UPDATE
                SET received_at = EXCLUDED.received_at, accepted = EXCLUDED.accepted, dropped = EXCLUDED.dropped
                WHERE ingest_batches.received_at < EXCLUDED.received_at - \(window)
            RETURNING sender, key
            """,
            logger: logger
        ).map { try IngestBatchKey(sender: $0.required("sender"), key: $0.required("key")) }
        guard recorded.count < sorted.count else { return [:] }
        let repeated = Set(sorted.map { $0.key! }).subtracting(recorded)
        let rows = try await connection.rows(
            """
            SELECT sender, key, accepted, dropped FROM ingest_batches
            WHERE (sender, key) IN (SELECT * FROM unnest(\(repeated.map(\.sender))::text[], \(repeated.map(\.key))::text[]))
            """,
            logger: logger)
        var receipts: [IngestBatchKey: IngestReceipt] = [:]
        for row in rows {
            let key = try IngestBatchKey(sender: row.required("sender"), key: row.required("key"))
            receipts[key] = try IngestReceipt(accepted: row.required("accepted", as: Int.self), dropped: row.required("dropped", as: Int.self))
        }
        return receipts
    }

    func events(matching query: EventQuery, page: PageRequest) async throws -> [StoredEvent] {
        let statement = try Self.eventsQuery(query, page: page)
        return try await database.withConnection { [logger] connection in
            try await connection.rows(statement.query, logger: logger).map(Self.event)
        }
    }

    /// A keyset walk down `events_by_tenant_type_time`, newest first.
    static func eventsQuery(_ query: EventQuery, page: PageRequest) throws -> PostgresStatement {
        var statement = PostgresStatement("SELECT * FROM events WHERE tenant_id = ")
        statement.append(statement.bind(query.tenantID))
        statement.append(" AND type = \(statement.bind(query.type.rawValue))")
        if let from = query.from { statement.append(" AND ts >= \(statement.bind(from.millisecondsSince1970))") }
        if let to = query.to { statement.append(" AND ts < \(statement.bind(to.millisecondsSince1970))") }
        switch query.status {
        case .exactly(let status): statement.append(" AND status = \(statement.bind(status))")
        case .inClass(let hundreds):
            let (low, high) = (statement.bind(hundreds * 100), statement.bind(hundreds * 100 + 100))
            statement.append(" AND status >= \(low) AND status < \(high)")
        case nil: break
        }
        if let method = query.method { statement.append(" AND method = \(statement.bind(method))") }
        if let path = query.path { statement.append(" AND path = \(statement.bind(path))") }
        if let userID = query.userID { statement.append(" AND user_id = \(statement.bind(userID))") }
        if let service = query.service { statement.append(" AND service = \(statement.bind(service))") }
        if let requestID = query.requestID { statement.append(" AND request_id = \(statement.bind(requestID))") }
        if let traceID = query.traceID { statement.append(" AND trace_id = \(statement.bind(traceID))") }
        if let action = query.action { statement.append(" AND action = \(statement.bind(action))") }
        if let outcome = query.outcome { statement.append(" AND outcome = \(statement.bind(outcome))") }
        if let actorID = query.actorID { statement.append(" AND actor_id = \(statement.bind(actorID))") }
        if let subjectID = query.subjectID { statement.append(" AND subject_id = \(statement.bind(subjectID))") }
        if let after = page.after {
            guard let id = Int64(after.id) else {
                throw AppError.validationFailed([FieldError(field: "cursor", message: "is not a cursor this service gave out")])
            }
            let (timestamp, afterID) = (statement.bind(after.timestamp), statement.bind(id))
            statement.append(" AND (ts, id) < (\(timestamp), \(afterID))")
        }
        statement.append(" ORDER BY ts DESC, id DESC LIMIT \(statement.bind(page.limit + 1))")
        return statement
    }

    func trace(_ traceID: String, tenantID: UUID, limit: Int) async throws -> [StoredEvent] {
        try await database.withConnection { [logger] connection in
            try await connection.rows(
                "SELECT * FROM events WHERE tenant_id = \(tenantID) AND trace_id = \(traceID) ORDER BY ts, id LIMIT \(limit)", logger: logger
            ).map(Self.event)
        }
    }

    /// The rollups of the minutes since the one `since` falls in, summed per route and duration by the
    /// server in one pass over them (materialized: read once), the `limit` most requested routes chosen
    /// among those sums, and their percentiles found by the server as well (`percentilesSQL`), so that
    /// the collector reads and decodes a row a route, not a row a route's duration (the collector's CPU
    /// a statistics request 6.8–8.0 → 0.5 ms). Unlike SQLite's sorter, the server's hash aggregate costs
    /// less than sending each minute's rows.
    static func routeStatisticsQuery(tenantID: UUID, since: Date, limit: Int) -> PostgresQuery {
        let minute = RequestRollup.minute(of: since.millisecondsSince1970)
        return """
            WITH summed AS MATERIALIZED (
                SELECT service, route, duration_ms, SUM(count)::bigint AS count, SUM(errors)::bigint AS errors FROM request_rollups
                WHERE tenant_id = \(tenantID) AND minute >= \(minute) GROUP BY service, route, duration_ms
            ), top AS (
                SELECT service, route, SUM(count)::bigint AS total, SUM(errors)::bigint AS errors FROM summed
                GROUP BY service, route ORDER BY SUM(count) DESC, service, route LIMIT \(limit)
            ), ranked AS (
                SELECT service, route, total, top.errors, duration_ms,
                    SUM(count) OVER (PARTITION BY service, route ORDER BY duration_ms) AS seen
                FROM summed JOIN top USING (service, route)
            )
            SELECT service, route, total, errors, \(unescaped: percentilesSQL) FROM ranked GROUP BY service, route, total, errors
            """
    }

    /// The nearest-rank percentiles of `ranked`'s groups, as `DurationDistribution` finds them: the
    /// smallest duration whose running count (`seen`, in order of duration, one row a duration) reaches
    /// p % of the group's requests (`total`).
    static let percentilesSQL = """
        MIN(duration_ms) FILTER (WHERE seen * 100 >= 50 * total) AS p50,
        MIN(duration_ms) FILTER (WHERE seen * 100 >= 95 * total) AS p95,
        MIN(duration_ms) FILTER (WHERE seen * 100 >= 99 * total) AS p99
        """

    func routeStatistics(tenantID: UUID, since: Date, limit: Int) async throws -> [RouteStatistics] {
        let query = Self.routeStatisticsQuery(tenantID: tenantID, since: since, limit: limit)
        return try await database.withConnection { [logger] connection in
            var statistics: [RouteStatistics] = []
            for row in try await connection.allRows(query, logger: logger) {
                var columns = PostgresRowReader(row)
                statistics.append(try RouteStatistics(
                    service: columns.text("service"), route: columns.text("route"), count: columns.int("total"),
                    errorCount: columns.int("errors"), p50Ms: columns.double("p50"), p95Ms: columns.double("p95"), p99Ms: columns.double("p99")))
            }
            return statistics.mostRequested(limit: limit)
        }
    }

    /// The rollups of the query's minutes, summed per step and duration by the server, and each step's
    /// percentiles found there too (`percentilesSQL`): a row a step.
    static func seriesQuery(_ query: SeriesQuery) -> PostgresQuery {
        let (first, end) = (RequestRollup.minute(of: query.from.millisecondsSince1970), RequestRollup.minute(of: query.to.millisecondsSince1970))
        var statement = PostgresStatement("WITH summed AS (SELECT (minute - ")
        statement.append("\(statement.bind(first))) / \(statement.bind(max(1, query.stepMilliseconds / RequestRollup.millisecondsPerMinute))) AS step, ")
        statement.append("duration_ms, SUM(count)::bigint AS count, SUM(errors)::bigint AS errors FROM request_rollups WHERE tenant_id = ")
        statement.append("\(statement.bind(query.tenantID)) AND minute >= \(statement.bind(first)) AND minute < \(statement.bind(end))")
        if let service = query.service { statement.append(" AND service = \(statement.bind(service))") }
        if let route = query.route { statement.append(" AND route = \(statement.bind(route))") }
        statement.append("""
             GROUP BY 1, 2
            ), ranked AS (
                SELECT step, duration_ms, errors, SUM(count) OVER (PARTITION BY step ORDER BY duration_ms) AS seen,
                    (SUM(count) OVER (PARTITION BY step))::bigint AS total
                FROM summed
            )
            SELECT step, total, SUM(errors)::bigint AS errors, \(Self.percentilesSQL) FROM ranked GROUP BY step, total ORDER BY step
            """)
        return statement.query
    }

    func series(_ query: SeriesQuery) async throws -> [SeriesPoint] {
        let statement = Self.seriesQuery(query)
        return try await database.withConnection { [logger] connection in
            var points: [SeriesPoint] = []
            for row in try await connection.allRows(statement, logger: logger) {
                var columns = PostgresRowReader(row)
                points.append(try SeriesPoint(
                    step: columns.int("step"), count: columns.int("total"), errorCount: columns.int("errors"),
                    p50Ms: columns.double("p50"), p95Ms: columns.double("p95"), p99Ms: columns.double("p99")))
            }
            return points
        }
    }

    func deleteRollups(before date: Date) async throws -> Int {
        let minute = RequestRollup.minute(of: date.millisecondsSince1970)
        return try await database.withConnection { [logger] connection in
            try await connection.rows(
                "WITH gone AS (DELETE FROM request_rollups WHERE minute < \(minute) RETURNING 1) SELECT COUNT(*) AS n FROM gone", logger: logger
            ).first?.required("n", as: Int.self) ?? 0
        }
    }

    /// Drops every day that ended before `date` whole (however many events that is), then deletes up to
    /// `limit` events of the day `date` falls in that arrived before it.
    func deleteReceived(before date: Date, limit: Int) async throws -> Int {
        let cutoff = date.millisecondsSince1970
        let boundaryDay = Self.day(of: cutoff)
        return try await database.withConnection { [logger] connection in
            var deleted = 0
            let partitions = try await connection.rows(
                "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
                logger: logger
            ).map { try $0.required("name", as: String.self) }
            for relation in partitions {
                // The name is rebuilt from the day number, never taken from the catalogue into the SQL.
                guard let day = Self.day(ofPartition: relation), day < boundaryDay else { continue }
                let name = Self.partitionName(day: day)
                let rows = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT COUNT(*) AS n FROM \(name)"), logger: logger)
                deleted += try rows.first?.required("n", as: Int.self) ?? 0
                _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"), logger: logger).collect()
                _ = self.knownDays.withLock { $0.remove(day) }
            }
            let boundary = Self.partitionName(day: boundaryDay)
            if partitions.contains(boundary), deleted < limit {  // boundary is made from a number too
                deleted += try await connection.run(
                    PostgresQuery(
                        unsafeSQL: """
                            DELETE FROM \(boundary) WHERE ctid = ANY(ARRAY(SELECT ctid FROM \(boundary) WHERE received_at < $1 LIMIT $2)) RETURNING 1
                            """,
                        binds: Self.binds(cutoff, Int64(limit - deleted))),
                    logger: logger)
            }
            return deleted
        }
    }

    func deleteBatchKeys(receivedBefore date: Date) async throws -> Int {
        try await database.withConnection { [logger] connection in
            try await connection.rows(
                "WITH gone AS (DELETE FROM ingest_batches WHERE received_at < \(date.millisecondsSince1970) RETURNING 1) SELECT COUNT(*) AS n FROM gone",
                logger: logger
            ).first?.required("n", as: Int.self) ?? 0
        }
    }

    func count() async throws -> Int {
        try await database.withConnection { [logger] connection in
            try await connection.rows("SELECT COUNT(*) AS n FROM events", logger: logger).first?.required("n", as: Int.self) ?? 0
        }
    }

    // MARK: Partitions

    /// Makes the partitions of `days` that are not known to exist. Replicas may race to make one: the
    /// loser's "already exists" is success.
    private func ensurePartitions(for days: Set<Int64>) async throws {
        let missing = knownDays.withLock { days.subtracting($0) }
        guard !missing.isEmpty else { return }
        try await database.withConnection { [logger] connection in
            for day in missing {
                let (start, end) = (day * Self.millisecondsPerDay, (day + 1) * Self.millisecondsPerDay)
                do {
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: "CREATE TABLE IF NOT EXISTS \(Self.partitionName(day: day)) PARTITION OF events FOR VALUES FROM (\(start)) TO (\(end))"),
                        logger: logger
                    ).collect()
                } catch let error as PSQLError where ["42P07", "23505"].contains(error.serverInfo?[.sqlState] ?? "") {
                    // Made by another writer meanwhile.
                }
            }
        }
        knownDays.withLock { $0.formUnion(missing) }
    }

    static func day(of milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / millisecondsPerDay : (milliseconds + 1) / millisecondsPerDay - 1
    }

    /// `events_d20561` for day 20561 since the epoch: a name made from a number only.
    static func partitionName(day: Int64) -> String { "events_d\(day)" }

    static func day(ofPartition name: String) -> Int64? {
        guard name.hasPrefix("events_d") else { return nil }
        return Int64(name.dropFirst("events_d".count))
    }

    private static func binds(_ values: Int64...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }

    static func event(_ row: PostgresRandomAccessRow) throws -> StoredEvent {
        try StoredEvent(
            id: row.required("id", as: Int64.self), type: row.enumeration("type"), ts: row.date("ts"), receivedAt: row.date("received_at"),
            service: row.required("service"), tenantID: row.optional("tenant_id"), userID: row.optional("user_id"),
            requestID: row.optional("request_id"), method: row.optional("method"), path: row.optional("path"), route: row.optional("route"),
            status: row.optional("status", as: Int32.self).map(Int.init), durationMs: row.optional("duration_ms"),
            clientIP: row.optional("client_ip"), userAgent: row.optional("user_agent"), level: row.optional("level"),
            message: row.optional("message"), errorType: row.optional("error_type"), traceID: row.optional("trace_id"),
            spanID: row.optional("span_id"), action: row.optional("action"), outcome: row.optional("outcome"),
            actorID: row.optional("actor_id"), subjectID: row.optional("subject_id"), reason: row.optional("reason"))
    }
}

/// Rows in `COPY`'s text format: tab-separated, `\N` for NULL, and backslash, tab, line feed and
/// carriage return escaped in values (NUL and other control characters never pass validation).
enum CopyText {
    static func append(_ event: StoredEvent, to buffer: inout ByteBuffer) {
        text(event.type.rawValue, &buffer); tab(&buffer)
        buffer.writeString(String(event.ts.millisecondsSince1970)); tab(&buffer)
        buffer.writeString(String(event.receivedAt.millisecondsSince1970)); tab(&buffer)
        text(event.service, &buffer); tab(&buffer)
        text(event.tenantID?.lowercasedString, &buffer); tab(&buffer)
        text(event.userID?.lowercasedString, &buffer); tab(&buffer)
        text(event.requestID, &buffer); tab(&buffer)
        text(event.method, &buffer); tab(&buffer)
        text(event.path, &buffer); tab(&buffer)
        text(event.route, &buffer); tab(&buffer)
        text(event.status.map(String.init), &buffer); tab(&buffer)
        text(event.durationMs.map { String($0) }, &buffer); tab(&buffer)
        text(event.clientIP, &buffer); tab(&buffer)
        text(event.userAgent, &buffer); tab(&buffer)
        text(event.level, &buffer); tab(&buffer)
        text(event.message, &buffer); tab(&buffer)
        text(event.errorType, &buffer); tab(&buffer)
        text(event.traceID, &buffer); tab(&buffer)
        text(event.spanID, &buffer); tab(&buffer)
        text(event.action, &buffer); tab(&buffer)
        text(event.outcome, &buffer); tab(&buffer)
        text(event.actorID?.lowercasedString, &buffer); tab(&buffer)
        text(event.subjectID?.lowercasedString, &buffer); tab(&buffer)
        text(event.reason, &buffer)
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == 0x5C || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func tab(_ buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\t"))
    }

    static func text(_ value: String?, _ buffer: inout ByteBuffer) {
        guard var text = value else {
            buffer.writeStaticString("\\N")
            return
        }
        text.withUTF8 { bytes in
            // Most values need no escape: write them whole.
            guard bytes.contains(where: needsEscape) else {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }
}
