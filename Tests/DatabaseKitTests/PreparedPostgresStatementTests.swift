import DatabaseKit
import Foundation
import Logging
import PostgresNIO
import ServiceTestSupport
import Testing

@Suite struct PreparedPostgresStatementTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let migrations = [PostgresMigration(1, "notes", ["CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"])]

    enum InsertNote: FixedPostgresStatement { static let sql = "INSERT INTO notes (id, text) VALUES ($1, $2)" }
    enum FindNote: FixedPostgresStatement { static let sql = "SELECT id, text FROM notes WHERE id = $1" }
    enum SameTextAsFindNote: FixedPostgresStatement { static let sql = FindNote.sql }
    enum FindTag: FixedPostgresStatement { static let sql = "SELECT name FROM tags WHERE name = $1" }

    @Test func aStatementIsNamedAfterItsTextWithinPostgreSQLsLimit() {
        #expect(Prepared<FindNote>.name == Prepared<SameTextAsFindNote>.name)
        #expect(Prepared<FindNote>.name != Prepared<InsertNote>.name)
        #expect(Prepared<FindNote>.name.utf8.count <= 63)
    }

    /// Run again and again on one connection (prepared once), and still after the table gained a
    /// column: the statement names its columns, so what it returns keeps its shape.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aPreparedStatementRunsAgainAfterTheTableChanges(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "notes", migrations: Self.migrations, poolSize: 1) { database in
            try await database.withConnection { connection in
                for id in 1...3 {
                    try await connection.run(Prepared<InsertNote> { $0.append(id); $0.append("note \(id)") }, logger: Self.logger)
                }
                let found = try await connection.rows(Prepared<FindNote> { $0.append(2) }, logger: Self.logger)
                #expect(try found.map { try $0.required("text", as: String.self) } == ["note 2"])
                _ = try await connection.query("ALTER TABLE notes ADD COLUMN author TEXT", logger: Self.logger).collect()
                let again = try await connection.rows(Prepared<FindNote> { $0.append(3) }, logger: Self.logger)
                #expect(try again.map { try $0.required("text", as: String.self) } == ["note 3"])
                #expect(try await connection.rows(Prepared<FindNote> { $0.append(9) }, logger: Self.logger).isEmpty)
            }
        }
    }

    /// postgres-nio keeps a failed preparation as failed on its connection: the connection is closed,
    /// so that the statement runs once it can (here, once its table exists), on the pool's next one.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aStatementWhosePreparationFailedRunsOnceItCan(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "notes", migrations: Self.migrations, poolSize: 1) { database in
            await #expect(throws: PSQLError.self) {
                try await database.withConnection { try await $0.rows(Prepared<FindTag> { $0.append("a") }, logger: Self.logger) }
            }
            try await database.withConnection { connection in
                _ = try await connection.query("CREATE TABLE tags (name TEXT PRIMARY KEY)", logger: Self.logger).collect()
                _ = try await connection.query("INSERT INTO tags VALUES ('a')", logger: Self.logger).collect()
            }
            let found = try await database.withConnection { try await $0.rows(Prepared<FindTag> { $0.append("a") }, logger: Self.logger) }
            #expect(try found.map { try $0.required("name", as: String.self) } == ["a"])
        }
    }
}
