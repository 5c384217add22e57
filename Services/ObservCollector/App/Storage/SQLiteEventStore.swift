import DatabaseKit
import Foundation
import GRDB
import GRDBSQLite
import ServiceKit

/// Events in SQLite.
struct SQLiteEventStore: EventStore {
    let database: DatabasePool

    /// `insert` runs on GRDB's writer queue (see `EventStore`).
    var writerPrefersAThreadOfItsOwn: Bool { true }

    static let insertSQL = """
        INSERT INTO events (type, ts, received_at, service, tenant_id, user_id, request_id, method, path, route, status,
                            duration_ms, client_ip, user_agent, level, message, error_type,
                            trace_id, span_id, action, outcome, actor_id, subject_id, reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// One transaction, one prepared statement, values bound straight through SQLite's C API: GRDB's
    /// `StatementArguments` cost about three times what SQLite itself does per row here. The write
    /// transaction is exclusive, so a key looked up and then recorded cannot be recorded meanwhile.
    func insert(_ batches: [IngestBatch]) async throws -> [IngestReceipt?] {
        try await database.write { db in
            var receipts = batches.receiptsOfRepeatedKeys()
            for (index, batch) in batches.enumerated() where receipts[index] == nil {
                guard let key = batch.key else { continue }
                receipts[index] = try Self.record(key, of: batch, in: db)
            }
            let statement = try db.cachedStatement(sql: Self.insertSQL)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(statement.sqliteStatement) }  // keeps the statement, whose `handle` it is, alive until then
            var rollups: [RequestRollupKey: RequestRollupCounts] = [:]
            for (index, batch) in batches.enumerated() where receipts[index] == nil {
                for event in batch.events {
                    try Self.insert(event, with: handle, in: db)
                    RequestRollup.add(event, to: &rollups)
                }
            }
            try Self.add(rollups, in: db)
            return receipts
        }
    }

    static let updateRollupSQL = """
        UPDATE request_rollups SET count = count + ?, errors = errors + ?
        WHERE tenant_id = ? AND minute = ? AND service = ? AND route = ? AND duration_ms = ?
        """
    static let insertRollupSQL = """
        INSERT INTO request_rollups (tenant_id, minute, service, route, duration_ms, count, errors) VALUES (?, ?, ?, ?, ?, ?, ?)
        """

    /// Adds `rows` to the rollups (`RequestRollup`), in the caller's transaction (exclusive: no row
    /// can appear between a row's update and its insert). An update, then an insert only where it
    /// changed nothing, rather than one `INSERT … ON CONFLICT DO UPDATE`: most rows are already there
    /// (a minute's durations repeat), and the upsert tried the insert first. Under the blog's list with
    /// shipping on, the collector's CPU a request −8 % and the list +7 % (medians of 8 pairs of
    /// `Benchmarks/compare.sh collector-shipped`); the rollups had been about a fifth of that CPU.
    static func add(_ rows: [RequestRollupKey: RequestRollupCounts], in db: Database) throws {
        guard !rows.isEmpty else { return }
        let update = try db.cachedStatement(sql: updateRollupSQL)
        let insert = try db.cachedStatement(sql: insertRollupSQL)
        let updateHandle = update.sqliteStatement, insertHandle = insert.sqliteStatement
        defer {
            sqlite3_reset(update.sqliteStatement)
            sqlite3_reset(insert.sqliteStatement)
        }
        for (key, counts) in rows {
            var binder = RowBinder(handle: updateHandle)
            binder.bind(counts.count)
            binder.bind(counts.errors)
            binder.bind(key.tenantID)
            binder.bind(key.minute)
            binder.bind(key.service)
            binder.bind(key.route)
            binder.bind(key.durationMs)
            try binder.step(in: db, sql: updateRollupSQL)
            guard sqlite3_changes(db.sqliteConnection) == 0 else { continue }
            binder = RowBinder(handle: insertHandle)
            binder.bind(key.tenantID)
            binder.bind(key.minute)
            binder.bind(key.service)
            binder.bind(key.route)
            binder.bind(key.durationMs)
            binder.bind(counts.count)
            binder.bind(counts.errors)
            try binder.step(in: db, sql: insertRollupSQL)
        }
    }

    /// The receipt `key` was committed with within the window, or nil after recording it for `batch`.
    private static func record(_ key: IngestBatchKey, of batch: IngestBatch, in db: Database) throws -> IngestReceipt? {
        let earliest = batch.receivedAt.addingTimeInterval(-IngestBatchKey.window).millisecondsSince1970
        // Cached: a shipper sends a key with every batch, and compiling both statements again in each
        // commit was 1.6 % of the collector's CPU under the blog's list with shipping on (perf of
        // `compare.sh collector-shipped`: GRDB's uncached `fetchOne` 0.8 %, its authorizer 0.8 %).
        let committed = try db.cachedStatement(sql: "SELECT accepted, dropped FROM ingest_batches WHERE sender = ? AND key = ? AND received_at >= ?")
        if let receipt = try Row.fetchOne(committed, arguments: [key.sender, key.key, earliest], reading: { row in
            try IngestReceipt(accepted: row.required("accepted", as: Int.self), dropped: row.required("dropped", as: Int.self))
        }) {
            return receipt
        }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO ingest_batches (sender, key, received_at, accepted, dropped) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [key.sender, key.key, batch.receivedAt.millisecondsSince1970, batch.receipt.accepted, batch.receipt.dropped])
        return nil
    }

    private static func insert(_ event: StoredEvent, with handle: OpaquePointer, in db: Database) throws {
        var binder = RowBinder(handle: handle)
        binder.bind(event.type.rawValue)
        binder.bind(event.ts.millisecondsSince1970)
        binder.bind(event.receivedAt.millisecondsSince1970)
        binder.bind(event.service)
        binder.bind(event.tenantID)
        binder.bind(event.userID)
        binder.bind(event.requestID)
        binder.bind(event.method)
        binder.bind(event.path)
        binder.bind(event.route)
        binder.bind(event.status.map(Int64.init))
        binder.bind(event.durationMs)
        binder.bind(event.clientIP)
        binder.bind(event.userAgent)
        binder.bind(event.level)
        binder.bind(event.message)
        binder.bind(event.errorType)
        binder.bind(event.traceID)
        binder.bind(event.spanID)
        binder.bind(event.action)
        binder.bind(event.outcome)
        binder.bind(event.actorID)
        binder.bind(event.subjectID)
        binder.bind(event.reason)
        try binder.step(in: db, sql: insertSQL)
    }

    /// Binds one row's values in order.
    private struct RowBinder {
        let handle: OpaquePointer
        var index: Int32 = 1
        /// Tells SQLite to copy the text, which lives only for the call.
        static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        mutating func bind(_ text: String?) {
            if var text { text.withUTF8(bindText) } else { sqlite3_bind_null(handle, index) }
            index += 1
        }

        /// An id as its lower-case text, written on the stack rather than made a string (an allocation
        /// each: two an event, one a rollup).
        mutating func bind(_ id: UUID?) {
            if let id { id.withLowercasedUTF8(bindText) } else { sqlite3_bind_null(handle, index) }
            index += 1
        }

        private func bindText(_ bytes: UnsafeBufferPointer<UInt8>) {
            if let base = bytes.baseAddress, bytes.count > 0 {
                _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
            } else {
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)  // empty, not NULL
            }
        }

        mutating func bind(_ value: Int64?) {
            if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
            index += 1
        }

        mutating func bind(_ value: Double?) {
            if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
            index += 1
        }

        /// Runs the statement with the values bound, and readies it for the next row.
        func step(in db: Database, sql: String) throws {
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            guard code == SQLITE_DONE else { throw SQLiteEventStore.failure(code, in: db, sql: sql) }
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
        if let traceID = query.traceID { sql += " AND trace_id = ?"; arguments += [traceID] }
        if let action = query.action { sql += " AND action = ?"; arguments += [action] }
        if let outcome = query.outcome { sql += " AND outcome = ?"; arguments += [outcome] }
        if let actorID = query.actorID { sql += " AND actor_id = ?"; arguments += [actorID.lowercasedString] }
        if let subjectID = query.subjectID { sql += " AND subject_id = ?"; arguments += [subjectID.lowercasedString] }
        if let after = page.after {
            sql += " AND (ts, id) < (?, ?)"
            arguments += [after.timestamp, Int64(after.id) ?? 0]
        }
        sql += " ORDER BY ts DESC, id DESC LIMIT ?"
        arguments += [page.limit + 1]
        return (sql, arguments)
    }

    func trace(_ traceID: String, tenantID: UUID, limit: Int) async throws -> [StoredEvent] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE tenant_id = ? AND trace_id = ? ORDER BY ts, id LIMIT ?",
                arguments: [tenantID.lowercasedString, traceID, limit]
            ).map(Self.event)
        }
    }

    /// The rollups of the minutes since the one `since` falls in, summed per route and duration as they
    /// are read (`GroupedDistributions`): every route's in one pass while the window has at most `limit`
    /// routes, as nearly every tenant's has; past that (a tenant whose senders give raw paths has a route
    /// per path), those of the `limit` most requested routes only, so that what the collector holds stays
    /// bounded by the limit, not by the paths.
    ///
    /// Over 5,760,000 rows (a day of 10 routes, 400 durations a minute each) in `sqlite3`: the pass
    /// 1.0 s; choosing the top routes 7.3 s, for the `GROUP BY` sorts every row; summing in SQL too
    /// (a `GROUP BY` over every row, joined with the top routes, as before 2026-12-06) 22 s.
    static let windowRollupsSQL = "SELECT service, route, duration_ms, count, errors FROM request_rollups WHERE tenant_id = ?1 AND minute >= ?2"
    static let topRoutesRollupsSQL = """
        \(windowRollupsSQL) AND (service, route) IN (
            SELECT service, route FROM request_rollups WHERE tenant_id = ?1 AND minute >= ?2
            GROUP BY service, route ORDER BY SUM(count) DESC, service, route LIMIT ?3
        )
        """

    func routeStatistics(tenantID: UUID, since: Date, limit: Int) async throws -> [RouteStatistics] {
        let window: StatementArguments = [tenantID.lowercasedString, RequestRollup.minute(of: since.millisecondsSince1970)]
        return try await database.read { db in
            let routes = try Self.routes(db, Self.windowRollupsSQL, window, atMost: limit)
                ?? Self.routes(db, Self.topRoutesRollupsSQL, window + [limit]) ?? [:]
            return routes.routeStatistics(limit: limit)
        }
    }

    /// The rows of `sql` summed per route and duration; nil as soon as they name more than `atMost` routes.
    /// Read through SQLite's C API, as the inserts are written: a row's service and route are compared with
    /// the last row's where SQLite holds them, and made into strings only when they change (GRDB's rows
    /// made both for every row: a day of 5,720,000 rollups took 2.3 s, 1.6 s now).
    static func routes(_ db: Database, _ sql: String, _ arguments: StatementArguments, atMost: Int = .max) throws -> [ServiceRoute: DurationDistribution]? {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(statement.sqliteStatement) }
        var routes = GroupedDistributions<ServiceRoute>()
        var service = RepeatedText(column: 0), route = RepeatedText(column: 1)
        while try step(handle, in: db, sql: sql) {
            let serviceChanged = service.read(handle), routeChanged = route.read(handle)
            if serviceChanged || routeChanged {
                routes.select(ServiceRoute(service: service.string, route: route.string))
                if routes.count > atMost { return nil }
            }
            routes.add(durationMs: sqlite3_column_double(handle, 2), count: sqlite3_column_int64(handle, 3), errors: sqlite3_column_int64(handle, 4))
        }
        return routes.finished()
    }

    /// A text column of consecutive rows, made into a string only when a row's bytes differ from the last.
    private struct RepeatedText {
        let column: Int32
        private var bytes: [UInt8]?
        private(set) var string = ""

        init(column: Int32) {
            self.column = column
        }

        /// Reads the column of the statement's current row; whether it differs from the last row's.
        mutating func read(_ handle: OpaquePointer) -> Bool {
            let text = sqlite3_column_text(handle, column)  // before its length, as SQLite asks
            let row = UnsafeBufferPointer(start: text, count: text == nil ? 0 : Int(sqlite3_column_bytes(handle, column)))
            if let bytes, Self.equal(bytes, row) { return false }
            bytes = Array(row)
            string = String(decoding: row, as: UTF8.self)
            return true
        }

        /// `memcmp`: `elementsEqual` took a tenth of a day's statistics.
        private static func equal(_ bytes: [UInt8], _ row: UnsafeBufferPointer<UInt8>) -> Bool {
            bytes.count == row.count && bytes.withUnsafeBufferPointer { bytes in
                guard let left = bytes.baseAddress, let right = row.baseAddress else { return true }  // both empty
                return memcmp(left, right, row.count) == 0
            }
        }
    }

    /// Steps `handle` once: true on a row, false when it is done; SQLite's error otherwise (a statement
    /// interrupted at its time limit answers 503).
    static func step(_ handle: OpaquePointer, in db: Database, sql: String) throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw failure(code, in: db, sql: sql)
        }
    }

    /// SQLite's error `code` of a statement run through its C API, as GRDB would have thrown it.
    static func failure(_ code: Int32, in db: Database, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }

    /// The rollups of the query's minutes, summed per step and duration as they are read.
    static func seriesQuery(_ query: SeriesQuery) -> (String, StatementArguments) {
        let (first, end) = (RequestRollup.minute(of: query.from.millisecondsSince1970), RequestRollup.minute(of: query.to.millisecondsSince1970))
        var filter = "tenant_id = ? AND minute >= ? AND minute < ?"
        var arguments: StatementArguments = [first, max(1, query.stepMilliseconds / RequestRollup.millisecondsPerMinute)]
        arguments += [query.tenantID.lowercasedString, first, end]
        if let service = query.service { filter += " AND service = ?"; arguments += [service] }
        if let route = query.route { filter += " AND route = ?"; arguments += [route] }
        let sql = """
            SELECT (minute - ?) / ? AS step, duration_ms, count, errors FROM request_rollups WHERE \(filter)
            """
        return (sql, arguments)
    }

    func series(_ query: SeriesQuery) async throws -> [SeriesPoint] {
        let (sql, arguments) = Self.seriesQuery(query)
        return try await database.read { db in
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(arguments)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(statement.sqliteStatement) }
            var steps = GroupedDistributions<Int>()
            while try Self.step(handle, in: db, sql: sql) {
                steps.select(Int(sqlite3_column_int64(handle, 0)))
                steps.add(durationMs: sqlite3_column_double(handle, 1), count: sqlite3_column_int64(handle, 2), errors: sqlite3_column_int64(handle, 3))
            }
            return steps.finished().seriesPoints
        }
    }

    func deleteRollups(before date: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM request_rollups WHERE minute < ?", arguments: [RequestRollup.minute(of: date.millisecondsSince1970)])
            return db.changesCount
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

    func deleteBatchKeys(receivedBefore date: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM ingest_batches WHERE received_at < ?", arguments: [date.millisecondsSince1970])
            return db.changesCount
        }
    }

    func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    static func event(_ row: Row) throws -> StoredEvent {
        try StoredEvent(
            id: row.required("id"), type: row.enumeration("type"), ts: row.date("ts"),
            receivedAt: row.date("received_at"), service: row.required("service"),
            tenantID: row.optionalUUID("tenant_id"),
            userID: row.optionalUUID("user_id"), requestID: row.required("request_id"), method: row.required("method"),
            path: row.required("path"), route: row.required("route"), status: row.required("status"), durationMs: row.required("duration_ms"), clientIP: row.required("client_ip"),
            userAgent: row.required("user_agent"), level: row.required("level"), message: row.required("message"), errorType: row.required("error_type"),
            traceID: row.required("trace_id"), spanID: row.required("span_id"), action: row.required("action"), outcome: row.required("outcome"),
            actorID: row.optionalUUID("actor_id"), subjectID: row.optionalUUID("subject_id"), reason: row.required("reason"))
    }
}
