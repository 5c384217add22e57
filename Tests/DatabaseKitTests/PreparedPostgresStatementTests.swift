import Foundation
import Logging
import PostgresNIO
import ServiceTestSupport
import Testing

@testable import DatabaseKit

@Suite struct PreparedPostgresStatementTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let migrations = [PostgresMigration(1, "notes", ["CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"])]

    enum InsertNote: FixedPostgresStatement { static let sql = "INSERT INTO notes (id, text) VALUES ($1, $2)" }
    enum FindNote: FixedPostgresStatement { static let sql = "SELECT id, text FROM notes WHERE id = $1" }
    enum SameTextAsFindNote: FixedPostgresStatement { static let sql = FindNote.sql }
    enum FindTag: FixedPostgresStatement { static let sql = "SELECT name FROM tags WHERE name = $1" }
    enum NotesAfter: FixedPostgresStatement { static let sql = "SELECT id, text FROM notes WHERE id > $1::bigint ORDER BY id LIMIT $2" }
    /// `NotesAfter` without its cast: PostgreSQL takes `$1` for an `INTEGER`, as `id` is.
    enum NotesAfterUncast: FixedPostgresStatement { static let sql = "SELECT id, text FROM notes WHERE id > $1 ORDER BY id LIMIT $2" }
    enum Echo: FixedPostgresStatement {
        static let sql = "SELECT $1::text AS text, $2::uuid AS id, $3::bigint AS number, $4::text AS absent, $5::bool AS flag"
    }
    enum Sleep: FixedPostgresStatement { static let sql = "SELECT pg_sleep($1) IS NULL AS slept FROM generate_series(1, 2)" }

    /// Notes of the ids, each `note <id>`.
    static func insertNotes(_ ids: ClosedRange<Int>, on connection: PostgresConnection) async throws {
        for id in ids {
            try await connection.run(Prepared<InsertNote> { $0.append(id); $0.append("note \(id)") }, logger: Self.logger)
        }
    }

    static func name(_ row: PostgresRow) throws -> String {
        var columns = PostgresRowReader(row)
        return try columns.text("name")
    }

    static func note(_ row: PostgresRow) throws -> String {
        var columns = PostgresRowReader(row)
        return "\(try columns.int("id")) \(try columns.text("text"))"
    }

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
                try await Self.insertNotes(1...3, on: connection)
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

    /// The rows of a statement that returns many, handed over together (`allRows`): all of them, in
    /// order, with the statement prepared once on its connection (however often it runs there), and
    /// still after the table gained a column.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func manyRowsAreHandedOverTogetherFromAStatementPreparedOnceAConnection(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "notes", migrations: Self.migrations, poolSize: 1) { database in
            try await database.withConnection { connection in
                try await Self.insertNotes(1...30, on: connection)
                let page = Prepared<NotesAfter> { $0.append(5); $0.append(20) }
                let first = try await connection.allRows(page, logger: Self.logger, reading: Self.note)
                #expect(first == (6...25).map { "\($0) note \($0)" })
                _ = try await connection.query("ALTER TABLE notes ADD COLUMN author TEXT", logger: Self.logger).collect()
                let again = try await connection.allRows(Prepared<NotesAfter> { $0.append(28); $0.append(20) }, logger: Self.logger, reading: Self.note)
                #expect(again == ["29 note 29", "30 note 30"])
                #expect(try await connection.allRows(Prepared<NotesAfter> { $0.append(30); $0.append(20) }, logger: Self.logger, reading: Self.note).isEmpty)
                let prepared = try await connection.rows(
                    "SELECT COUNT(*) AS n FROM pg_prepared_statements WHERE statement = \(NotesAfter.sql)", logger: Self.logger)
                #expect(try prepared.first?.required("n", as: Int.self) == 1)
            }
        }
    }

    /// A statement run by `allRows` is prepared without its values' types, so a value of another type
    /// than PostgreSQL takes its place for is refused, never read as something else.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aValueOfAnotherTypeThanItsPlaceIsRefused(kind: StoreKind) async throws {
        _ = try await TestPostgres.withDatabase(name: "notes", migrations: Self.migrations, poolSize: 1) { database in
            await #expect(throws: PostgresError.self) {
                try await database.withConnection { connection in
                    try await connection.allRows(Prepared<NotesAfterUncast> { $0.append(5); $0.append(20) }, logger: Self.logger, reading: Self.note)
                }
            }
        }
    }

    /// Each value reaches the statement as bound, a null as null, on either way of running it.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func valuesAreBoundAsGivenEitherWay(kind: StoreKind) async throws {
        let id = UUID()
        let statement = Prepared<Echo> {
            $0.append("Grüße, ✓"); $0.append(id); $0.append(Int64(-1_795_000_000_123)); $0.append(String?.none); $0.append(true)
        }
        @Sendable func echo(_ row: PostgresRow) throws -> String {
            var columns = PostgresRowReader(row)
            return "\(try columns.text("text")) \(try columns.uuid("id")) \(try columns.integer("number")) \(try columns.optionalText("absent") ?? "null") \(try columns.bool("flag"))"
        }
        try await TestPostgres.withDatabase(name: "echo", migrations: [], poolSize: 1) { database in
            let access = PostgresAccess.pool(database)
            let expected = ["Grüße, ✓ \(id) -1795000000123 null true"]
            let oneAtATime = try await access.rows(statement, logger: Self.logger, reading: echo)
            let together = try await access.allRows(statement, logger: Self.logger, reading: echo)
            #expect(oneAtATime == expected)
            #expect(together == expected)
        }
    }

    /// A statement that fails to prepare (its table is not there yet) runs once it can; one stopped at
    /// the statement time limit says the database is unavailable (503), as `rows` does.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func manyRowsFailAsRowsDo(kind: StoreKind) async throws {
        try await TestPostgres.withDatabase(name: "notes", migrations: Self.migrations, poolSize: 1) { database in
            let find = Prepared<FindTag> { $0.append("a") }
            await #expect(throws: PostgresError.self) {
                try await database.withConnection { try await $0.allRows(find, logger: Self.logger) { $0 } }
            }
            try await database.withConnection { connection in
                _ = try await connection.query("CREATE TABLE tags (name TEXT PRIMARY KEY)", logger: Self.logger).collect()
                _ = try await connection.query("INSERT INTO tags VALUES ('a')", logger: Self.logger).collect()
                _ = try await connection.query("SET statement_timeout = 100", logger: Self.logger).collect()
            }
            let found = try await database.withConnection { try await $0.allRows(find, logger: Self.logger, reading: Self.name) }
            #expect(found == ["a"])
            do {
                _ = try await database.withConnection { try await $0.allRows(Prepared<Sleep> { $0.append(2.0) }, logger: Self.logger) { $0 } }
                Issue.record("the statement was not stopped")
            } catch let error as PostgresError {
                #expect(error.appError?.code == .unavailable)
            }
        }
    }
}
