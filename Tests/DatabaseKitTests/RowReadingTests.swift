@testable import DatabaseKit
import Foundation
import GRDB
import Testing

/// Rows read while the statement is on them: every value as stored, by position and by name, and a
/// damaged value still an `UnreadableRow` naming its column.
@Suite struct RowReadingTests {
    enum Column: Int, SelectedColumn {
        case id, name, count
        var columnName: String { ["id", "name", "count"][rawValue] }
    }

    static func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE items (id TEXT NOT NULL, name TEXT, count INTEGER);
                INSERT INTO items VALUES ('6cee89e3-d6e1-4d23-be82-729cd7a1610e', 'first', 1), ('not a uuid', 'second', 2), ('x', NULL, 3);
                """)
        }
        return queue
    }

    @Test func everyRowIsReadAsStored() throws {
        let rows = try Self.database().read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, name, count FROM items WHERE count < ? ORDER BY count"), arguments: [3]) { row in
                (try row.required(Column.id, as: String.self), try row.required("name", as: String.self), try row.required(Column.count, as: Int64.self))
            }
        }
        #expect(rows.map(\.0) == ["6cee89e3-d6e1-4d23-be82-729cd7a1610e", "not a uuid"])
        #expect(rows.map(\.1) == ["first", "second"])
        #expect(rows.map(\.2) == [1, 2])
    }

    @Test func oneRowIsReadWhileItsStatementIsOnIt() throws {
        let database = try Self.database()
        let (name, id) = try #require(try database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name, count FROM items WHERE count = ?"), arguments: [1]) { row in
                (try row.required(Column.name, as: String.self), try row.uuid(Column.id))
            }
        })
        #expect(name == "first")
        #expect(id == UUID(uuidString: "6cee89e3-d6e1-4d23-be82-729cd7a1610e"))
        let none = try database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id FROM items WHERE count = ?"), arguments: [99]) { try $0.required(Column.id, as: String.self) }
        }
        #expect(none == nil)
    }

    @Test func aNullIsNilWhereAValueMayBeMissing() throws {
        let rows = try Self.database().read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, name, count FROM items ORDER BY count"), arguments: []) { row in
                (try row.optional(Column.name, as: String.self), try row.optional("count", as: Int64.self), try row.required(Column.count, as: Bool.self))
            }
        }
        #expect(rows.map(\.0) == ["first", "second", nil])
        #expect(rows.map(\.1) == [1, 2, 3])
        #expect(rows.map(\.2) == [true, true, true])
    }

    @Test func aValueThatCannotBeReadNamesItsColumn() throws {
        let database = try Self.database()
        #expect(throws: UnreadableRow(column: "name", problem: "is not a String")) {
            try database.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name, count FROM items WHERE count = 3"), arguments: []) {
                    try $0.required(Column.name, as: String.self)
                }
            }
        }
        #expect(throws: UnreadableRow(column: "id", problem: "is not a UUID")) {
            try database.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name, count FROM items WHERE count = 2"), arguments: []) { try $0.uuid(Column.id) }
            }
        }
    }
}
