import DatabaseKit

extension AuthSchema {
    /// The auth schema in PostgreSQL: SQLite's three migrations as one. Ids are `uuid`, times `bigint`
    /// milliseconds as in SQLite (`not_before` whole seconds, as on the wire). Uniqueness is held by
    /// named constraints, which the repositories tell apart.
    static let postgres: [PostgresMigration] = [
        PostgresMigration(1, "tenants, users, refresh tokens, revocations", [
            """
            CREATE TABLE tenants (
                id UUID PRIMARY KEY,
                slug TEXT NOT NULL CONSTRAINT tenants_slug_key UNIQUE,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE users (
                id UUID PRIMARY KEY,
                tenant_id UUID NOT NULL REFERENCES tenants (id),
                email TEXT NOT NULL,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'user')),
                is_active BOOLEAN NOT NULL,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                sessions_cut_off BIGINT NOT NULL DEFAULT 0,
                CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email)
            )
            """,
            "CREATE INDEX users_by_tenant_and_creation ON users (tenant_id, created_at, id)",
            """
            CREATE TABLE refresh_tokens (
                id UUID PRIMARY KEY,
                token_hash BYTEA NOT NULL UNIQUE,
                family_id UUID NOT NULL,
                user_id UUID NOT NULL REFERENCES users (id),
                tenant_id UUID NOT NULL REFERENCES tenants (id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                rotated_at BIGINT,
                replaced_by UUID,
                grace_used BOOLEAN NOT NULL DEFAULT false,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id)",
            "CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id)",
            "CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at)",
            "CREATE TABLE revocations (user_id UUID PRIMARY KEY, not_before BIGINT NOT NULL, seq BIGINT NOT NULL)",
            "CREATE INDEX revocations_by_time ON revocations (not_before)",
            "CREATE INDEX revocations_by_seq ON revocations (seq)",
            // One row: taking a number locks it until the taker commits, so numbers commit in order.
            "CREATE TABLE revocation_sequence (value BIGINT NOT NULL)",
            "INSERT INTO revocation_sequence (value) VALUES (0)",
        ]),
        // Shared by the replicas (`PostgresRateLimiter`): a key's digest, its tokens, and when (seconds) they were counted.
        PostgresMigration(2, "rate limits", [
            "CREATE TABLE rate_limit_buckets (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, counted_at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX rate_limit_buckets_by_time ON rate_limit_buckets (counted_at)",
        ]),
    ]
}
