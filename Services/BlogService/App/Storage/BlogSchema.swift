import DatabaseKit
import GRDB

/// The blog service's SQLite schema. Times are integer milliseconds since the epoch; ids lower-case UUID text.
enum BlogSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: posts") { db in
            try db.execute(sql: """
                CREATE TABLE posts (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    author_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    content TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                -- Every list is a keyset walk over this index, newest first.
                CREATE INDEX posts_by_tenant_and_creation ON posts (tenant_id, created_at, id);
                CREATE INDEX posts_by_tenant_author_and_creation ON posts (tenant_id, author_id, created_at, id);
                """)
        }
        return migrator
    }
}

extension BlogSchema {
    /// The same schema in PostgreSQL: ids are `uuid`, times `bigint` milliseconds as in SQLite, so that
    /// keyset cursors compare exactly in both stores.
    static let postgres: [PostgresMigration] = [
        PostgresMigration(1, "posts", [
            """
            CREATE TABLE posts (
                id UUID PRIMARY KEY,
                tenant_id UUID NOT NULL,
                author_id UUID NOT NULL,
                title TEXT NOT NULL,
                content TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
                version INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            // Every list is a keyset walk over this index, newest first.
            "CREATE INDEX posts_by_tenant_and_creation ON posts (tenant_id, created_at, id)",
            "CREATE INDEX posts_by_tenant_author_and_creation ON posts (tenant_id, author_id, created_at, id)",
        ]),
    ]
}
