import DatabaseKit
import Foundation
import GRDB

/// The collector's SQLite schema. `id` is the rowid, so it grows with arrival: retention deletes from
/// the low end without an index on time. Times are integer milliseconds since the epoch.
enum CollectorSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: events") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    type TEXT NOT NULL,
                    ts INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    service TEXT NOT NULL,
                    tenant_id TEXT,
                    user_id TEXT,
                    request_id TEXT,
                    method TEXT,
                    path TEXT,
                    route TEXT,
                    status INTEGER,
                    duration_ms REAL,
                    client_ip TEXT,
                    user_agent TEXT,
                    level TEXT,
                    message TEXT,
                    error_type TEXT
                );
                -- The logs of a tenant, newest first, and the window of its statistics.
                CREATE INDEX events_by_tenant_type_time ON events (tenant_id, type, ts, id) WHERE tenant_id IS NOT NULL;
                -- One request's events, across services.
                CREATE INDEX events_by_tenant_request ON events (tenant_id, request_id) WHERE request_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("2: batch keys") { db in
            try db.execute(sql: IngestBatchKeysSchema.sqlite)
        }
        migrator.registerMigration("3: audit and trace fields") { db in
            try db.execute(sql: """
                ALTER TABLE events ADD COLUMN trace_id TEXT;
                ALTER TABLE events ADD COLUMN span_id TEXT;
                ALTER TABLE events ADD COLUMN action TEXT;
                ALTER TABLE events ADD COLUMN outcome TEXT;
                ALTER TABLE events ADD COLUMN actor_id TEXT;
                ALTER TABLE events ADD COLUMN subject_id TEXT;
                ALTER TABLE events ADD COLUMN reason TEXT;
                -- One trace's events, across services.
                CREATE INDEX events_by_tenant_trace ON events (tenant_id, trace_id) WHERE trace_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("4: request rollups") { db in
            try db.execute(sql: RequestRollupSchema.sqlite)
            try RequestRollupSchema.backfill(db)
        }
        return migrator
    }
}

extension CollectorSchema {
    /// The events in PostgreSQL, partitioned by the day they arrived (`received_at`, milliseconds as in
    /// SQLite): retention drops whole days, and a day's partition is made when its first batch comes
    /// (`PostgresEventStore`). Ids come from one sequence, so they grow with arrival across days.
    static let postgres: [PostgresMigration] = [
        PostgresMigration(1, "events, partitioned by day", [
            "CREATE SEQUENCE events_id_seq AS BIGINT",
            """
            CREATE TABLE events (
                id BIGINT NOT NULL DEFAULT nextval('events_id_seq'),
                type TEXT NOT NULL,
                ts BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                service TEXT NOT NULL,
                tenant_id UUID,
                user_id UUID,
                request_id TEXT,
                method TEXT,
                path TEXT,
                route TEXT,
                status INTEGER,
                duration_ms DOUBLE PRECISION,
                client_ip TEXT,
                user_agent TEXT,
                level TEXT,
                message TEXT,
                error_type TEXT
            ) PARTITION BY RANGE (received_at)
            """,
            "ALTER SEQUENCE events_id_seq OWNED BY events.id",
            // The logs of a tenant, newest first, and the window of its statistics.
            "CREATE INDEX events_by_tenant_type_time ON events (tenant_id, type, ts, id) WHERE tenant_id IS NOT NULL",
            // One request's events, across services.
            "CREATE INDEX events_by_tenant_request ON events (tenant_id, request_id) WHERE request_id IS NOT NULL",
            // Retention's partial day: a block-range index, a few pages for a day of appends.
            "CREATE INDEX events_by_arrival ON events USING brin (received_at)",
        ]),
        PostgresMigration(2, "batch keys", IngestBatchKeysSchema.postgres),
        // The tenants' ingest quota, shared by the replicas (`PostgresIngestQuota`).
        PostgresMigration(3, "tenant ingest buckets", [
            "CREATE TABLE tenant_ingest_buckets (tenant TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, counted_at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX tenant_ingest_buckets_by_time ON tenant_ingest_buckets (counted_at)",
        ]),
        PostgresMigration(4, "audit and trace fields", [
            """
            ALTER TABLE events ADD COLUMN trace_id TEXT, ADD COLUMN span_id TEXT, ADD COLUMN action TEXT, ADD COLUMN outcome TEXT,
                ADD COLUMN actor_id UUID, ADD COLUMN subject_id UUID, ADD COLUMN reason TEXT
            """,
            // One trace's events, across services.
            "CREATE INDEX events_by_tenant_trace ON events (tenant_id, trace_id) WHERE trace_id IS NOT NULL",
        ]),
        PostgresMigration(5, "request rollups", RequestRollupSchema.postgres),
        PostgresMigration(6, "identifiers compared by their bytes", identifiersByTheirBytes),
    ]

    /// The text columns the collector's keys and indexes compare (an event's type, request and trace
    /// ids, a rollup's service and route, a batch's sender and key, a quota's tenant) compared by their
    /// bytes, as SQLite compares them, whatever the database's collation. On a database made with a
    /// language's collation (`en_US.UTF-8`, the default of most hosted PostgreSQL servers and of the
    /// official image), each comparison of an index's descent went through `strcoll`: ingest of 1,000
    /// events a request cost PostgreSQL 13.4–14.5 µs of CPU an event there, 7.5–8.1 with this, and
    /// stored 31 % more events a second (`compare.sh` with `COMPARE_COLLATION`: the README's Benchmarks).
    ///
    /// Only the collation changes, so no table is rewritten, but the indexes on these columns are built
    /// again (1.6 s for 807,000 stored events here), under the table's lock: other replicas' ingest waits
    /// meanwhile (past their statement time limit it answers 503, which senders retry). The statement
    /// time limit is lifted for it, so that a large table is not stopped half way at every start.
    static let identifiersByTheirBytes = [
        "SET LOCAL statement_timeout = 0",
        #"ALTER TABLE events ALTER COLUMN type TYPE TEXT COLLATE "C", ALTER COLUMN request_id TYPE TEXT COLLATE "C", ALTER COLUMN trace_id TYPE TEXT COLLATE "C""#,
        #"ALTER TABLE request_rollups ALTER COLUMN service TYPE TEXT COLLATE "C", ALTER COLUMN route TYPE TEXT COLLATE "C""#,
        #"ALTER TABLE ingest_batches ALTER COLUMN sender TYPE TEXT COLLATE "C", ALTER COLUMN key TYPE TEXT COLLATE "C""#,
        #"ALTER TABLE tenant_ingest_buckets ALTER COLUMN tenant TYPE TEXT COLLATE "C""#,
    ]
}

/// The statistics' rollups (`RequestRollup`): a row per tenant, minute, service, route and rounded
/// duration. An upgrade counts the last day's stored requests into them.
enum RequestRollupSchema {
    static let sqlite = """
        CREATE TABLE request_rollups (
            tenant_id TEXT NOT NULL,
            minute INTEGER NOT NULL,
            service TEXT NOT NULL,
            route TEXT NOT NULL,
            duration_ms REAL NOT NULL,
            count INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, minute, service, route, duration_ms)
        ) WITHOUT ROWID;
        -- Retention, by age across tenants.
        CREATE INDEX request_rollups_by_minute ON request_rollups (minute);
        """

    static let postgres = [
        """
        CREATE TABLE request_rollups (
            tenant_id UUID NOT NULL,
            minute BIGINT NOT NULL,
            service TEXT NOT NULL,
            route TEXT NOT NULL,
            duration_ms DOUBLE PRECISION NOT NULL,
            count BIGINT NOT NULL,
            errors BIGINT NOT NULL,
            PRIMARY KEY (tenant_id, minute, service, route, duration_ms)
        )
        """,
        "CREATE INDEX request_rollups_by_minute ON request_rollups (minute)",
        postgresBackfill,
    ]

    /// Counts the stored requests of the last day into the rollups, so that every window's statistics
    /// are whole after the upgrade.
    static func backfill(_ db: Database, now: Date = Date()) throws {
        let events = try Row.fetchCursor(
            db, sql: "SELECT * FROM events WHERE type = 'request' AND tenant_id IS NOT NULL AND ts >= ?",
            arguments: [now.millisecondsSince1970 - RequestRollup.backfillMilliseconds])
        var rows: [RequestRollupKey: RequestRollupCounts] = [:]
        while let row = try events.next() { RequestRollup.add(try SQLiteEventStore.event(row), to: &rows) }
        try SQLiteEventStore.add(rows, in: db)
    }

    /// `backfill` in SQL, with the rounding of `RequestRollup.rounded` (three significant digits).
    static let postgresBackfill = """
        INSERT INTO request_rollups (tenant_id, minute, service, route, duration_ms, count, errors)
        SELECT tenant_id, minute, service, route,
               CASE WHEN duration_ms <= 0 THEN 0
                    WHEN scale >= 0 THEN round(duration_ms / power(10, scale)) * power(10, scale)
                    ELSE round(duration_ms * power(10, -scale)) / power(10, -scale) END,
               COUNT(*), COUNT(*) FILTER (WHERE status >= 500)
        FROM (
            SELECT tenant_id, floor(ts / 60000.0)::bigint AS minute, service, COALESCE(route, path) AS route, status,
                   COALESCE(duration_ms, 0) AS duration_ms,
                   CASE WHEN COALESCE(duration_ms, 0) > 0 THEN floor(log(duration_ms)) - 2 ELSE 0 END AS scale
            FROM events
            WHERE type = 'request' AND tenant_id IS NOT NULL AND COALESCE(route, path) IS NOT NULL
              AND ts >= (extract(epoch FROM now()) * 1000)::bigint - \(RequestRollup.backfillMilliseconds)
        ) AS requests
        GROUP BY 1, 2, 3, 4, 5
        """
}

/// The `Idempotency-Key`s of committed batches (`IngestBatchKey`), with the answer each got; retention
/// forgets them after the window.
enum IngestBatchKeysSchema {
    static let sqlite = """
        CREATE TABLE ingest_batches (
            sender TEXT NOT NULL,
            key TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            dropped INTEGER NOT NULL,
            PRIMARY KEY (sender, key)
        ) WITHOUT ROWID;
        CREATE INDEX ingest_batches_by_time ON ingest_batches (received_at);
        """

    static let postgres = [
        """
        CREATE TABLE ingest_batches (
            sender TEXT NOT NULL,
            key TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            accepted INTEGER NOT NULL,
            dropped INTEGER NOT NULL,
            PRIMARY KEY (sender, key)
        )
        """,
        "CREATE INDEX ingest_batches_by_time ON ingest_batches (received_at)",
    ]
}
