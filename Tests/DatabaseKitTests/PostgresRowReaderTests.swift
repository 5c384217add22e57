import Foundation
import Logging
import PostgresNIO
import ServiceTestSupport
import Testing

@testable import DatabaseKit

/// Reading a PostgreSQL row's values in the order of its `SELECT` list (`PostgresRowReader`).
@Suite struct PostgresRowReaderTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let id = UUID(uuidString: "0193a3c5-7e2b-7c4d-9f10-123456789abc")!

    /// One of each type the stores keep, and a NULL.
    enum Sample: FixedPostgresStatement {
        static let sql = """
            SELECT '\(id.uuidString)'::uuid AS id, 'Grüße, ✓'::text AS title, 'draft'::varchar AS status,
                   1795000000123::bigint AS created_at, 7::integer AS version, 3::smallint AS small, true AS active,
                   NULL::text AS note, NULL::bigint AS rotated_at, 12.345::double precision AS duration_ms, 0.5::real AS ratio
            """
    }

    /// How a statement's rows are handed over: one at a time (`rows`), or together (`allRows`, whose
    /// rows postgres-nio labels text though their values are binary).
    enum Handover: CaseIterable, Sendable { case oneAtATime, together }

    /// Runs `read` on the sample row.
    static func reading<Value: Sendable>(
        _ handover: Handover = .oneAtATime, _ read: @escaping @Sendable (inout PostgresRowReader) throws -> Value
    ) async throws -> Value {
        try await TestPostgres.withDatabase(name: "columns", migrations: [], poolSize: 1) { database in
            let reading: @Sendable (PostgresRow) throws -> Value = { row in
                var columns = PostgresRowReader(row)
                return try read(&columns)
            }
            let values = switch handover {
            case .oneAtATime: try await PostgresAccess.pool(database).rows(Prepared<Sample> { _ in }, logger: Self.logger, reading: reading)
            case .together: try await PostgresAccess.pool(database).allRows(Prepared<Sample> { _ in }, logger: Self.logger, reading: reading)
            }
            return try #require(values.first)
        }
    }

    @Test(arguments: Handover.allCases.filter { _ in StoreKind.available.contains(.postgres) })
    func everyValueIsReadAsStored(handover: Handover) async throws {
        struct Read: Equatable {
            let id: UUID, title: String, status: String, createdAt: Date, version: Int, small: Int64, active: Bool
            let note: String?, rotatedAt: Date?, durationMs: Double, ratio: Double
        }
        let read = try await Self.reading(handover) { row in
            try Read(
                id: row.uuid("id"), title: row.text("title"), status: row.text("status"), createdAt: row.date("created_at"),
                version: row.int("version"), small: row.integer("small"), active: row.bool("active"),
                note: row.optionalText("note"), rotatedAt: row.optionalDate("rotated_at"), durationMs: row.double("duration_ms"),
                ratio: row.double("ratio"))
        }
        #expect(read == Read(
            id: Self.id, title: "Grüße, ✓", status: "draft", createdAt: Date(millisecondsSince1970: 1_795_000_000_123), version: 7,
            small: 3, active: true, note: nil, rotatedAt: nil, durationMs: 12.345, ratio: 0.5))
    }

    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aValueThatCannotBeReadNamesItsColumn(kind: StoreKind) async throws {
        let problems = try await Self.reading { row -> [UnreadableRow?] in
            func problem(_ read: (inout PostgresRowReader) throws -> Void) -> UnreadableRow? {
                do { try read(&row) } catch { return error as? UnreadableRow }
                return nil
            }
            return [
                problem { _ = try $0.text("title") },  // `id` is in its place
                problem { _ = try $0.uuid("title") },  // text, not a UUID
                problem { _ = try $0.enumeration("status", as: Role.self) },  // not a case
                problem { _ = try $0.date("created_at") },  // read: nothing to say
                problem { _ = try $0.uuid("version") },
                problem { _ = try $0.integer("small") },
                problem { _ = try $0.bool("active") },
                problem { _ = try $0.text("note") },  // NULL where a value must be
                problem { _ = try $0.optionalDate("rotated_at") },
                problem { _ = try $0.double("duration_ms") },
                problem { _ = try $0.double("ratio") },
                problem { _ = try $0.text("after_the_last") },
            ]
        }
        #expect(problems == [
            UnreadableRow(column: "title", problem: "is missing: 'id' is in its place"),
            UnreadableRow(column: "title", problem: "is not a UUID"),
            UnreadableRow(column: "status", problem: "is not a known Role"),
            nil,
            UnreadableRow(column: "version", problem: "is not a UUID"),
            nil, nil,
            UnreadableRow(column: "note", problem: "is null"),
            nil, nil, nil,
            UnreadableRow(column: "after_the_last", problem: "is missing"),
        ])
    }

    enum Role: String { case admin, user }
}
