import GRDB

/// The auth service's SQLite schema, as migrations. Times are integer milliseconds since the epoch
/// (`not_before` whole seconds, as on the wire); ids are lower-case UUID text.
enum AuthSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: tenants, users, refresh tokens, revocations") { db in
            try db.execute(sql: """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY NOT NULL,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE users (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    email TEXT NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'user')),
                    is_active INTEGER NOT NULL,
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (tenant_id, email)
                );
                CREATE INDEX users_by_tenant_and_creation ON users (tenant_id, created_at, id);
                CREATE TABLE refresh_tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    token_hash BLOB NOT NULL UNIQUE,
                    family_id TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id),
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    rotated_at INTEGER,
                    replaced_by TEXT,
                    grace_used INTEGER NOT NULL DEFAULT 0,
                    revoked_at INTEGER
                );
                CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
                CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
                CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
                CREATE TABLE revocations (
                    user_id TEXT PRIMARY KEY NOT NULL,
                    not_before INTEGER NOT NULL
                );
                CREATE INDEX revocations_by_time ON revocations (not_before);
                """)
        }
        migrator.registerMigration("2: users.sessions_cut_off") { db in
            // A version of the user's session cut-offs, so that a login or refresh can tell that one was
            // made while it ran (see SessionService).
            try db.execute(sql: "ALTER TABLE users ADD COLUMN sessions_cut_off INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("3: revocations.seq") { db in
            // Every cut-off takes the next number of a counter that never goes back (not even when old
            // cut-offs are deleted), so that verifiers fetch only what is new since their last poll.
            try db.execute(sql: """
                ALTER TABLE revocations ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
                UPDATE revocations SET seq = rowid;
                CREATE INDEX revocations_by_seq ON revocations (seq);
                CREATE TABLE revocation_sequence (value INTEGER NOT NULL);
                INSERT INTO revocation_sequence (value) SELECT COALESCE(MAX(seq), 0) FROM revocations;
                """)
        }
        return migrator
    }
}
