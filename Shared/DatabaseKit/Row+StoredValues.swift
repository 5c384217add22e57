import Foundation
import GRDB
import ServiceKit

/// A stored value that cannot be read as what it must be (a NULL where a value must be, an unknown
/// role, an id that is not a UUID): a damaged or foreign row. It is an error, answered 500 and
/// logged with the column, never replaced by a silent default.
public struct UnreadableRow: Error, Equatable, CustomStringConvertible {
    public let column: String
    public let problem: String

    public var description: String { "the stored value of '\(column)' \(problem)" }

    public init(column: String, problem: String) {
        self.column = column
        self.problem = problem
    }

    /// The case of `Value` stored as `text` in `column`, whatever the database.
    @inlinable
    static func enumeration<Value: RawRepresentable>(_ text: String, column: String) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: text) else { throw UnreadableRow(column: column, problem: "is not a known \(Value.self)") }
        return value
    }
}

/// A column of a row: by name (a `String`), or by position (a `SelectedColumn`).
public protocol RowColumn {
    /// The name, for errors.
    var columnName: String { get }
    func decode<Value: DatabaseValueConvertible>(_ type: Value.Type, in row: Row) throws -> Value
    /// Text and integers (nil for NULL), by concrete functions: read straight from the statement when
    /// the row is a cursor's, without generic code instantiating metadata for every value.
    func text(in row: Row) throws -> String?
    func integer(in row: Row) throws -> Int64?
}

extension String: RowColumn {
    public var columnName: String { self }

    public func decode<Value: DatabaseValueConvertible>(_ type: Value.Type, in row: Row) throws -> Value {
        try row.decode(Value.self, forColumn: self)
    }

    public func text(in row: Row) throws -> String? { try row.decode(String?.self, forColumn: self) }
    public func integer(in row: Row) throws -> Int64? { try row.decode(Int64?.self, forColumn: self) }
}

/// The columns a hot read selects, in the order of its `SELECT` list, read by position: GRDB finds a
/// column by name by lower-casing the name, and allocating, on every read of every row.
public protocol SelectedColumn: RowColumn, RawRepresentable<Int>, CaseIterable {}

extension SelectedColumn {
    @inlinable
    public func decode<Value: DatabaseValueConvertible>(_ type: Value.Type, in row: Row) throws -> Value {
        try row.decode(Value.self, atIndex: rawValue)
    }

    @inlinable
    public func text(in row: Row) throws -> String? { try row.decode(String?.self, atIndex: rawValue) }
    @inlinable
    public func integer(in row: Row) throws -> Int64? { try row.decode(Int64?.self, atIndex: rawValue) }

    /// The `SELECT` list: every column, in position order.
    public static var selectList: String { allCases.sorted { $0.rawValue < $1.rawValue }.map(\.columnName).joined(separator: ", ") }
}

/// Reading the values the services store: UUIDs as text, times as milliseconds since the epoch,
/// enumerations as their raw text. Each throws `UnreadableRow` for a value it cannot read.
extension Row {
    /// A value that must be there, of the type asked for.
    @inlinable
    public func required<Value: DatabaseValueConvertible>(_ column: some RowColumn, as type: Value.Type = Value.self) throws -> Value {
        try present(optional(column, as: Value.self), column, "\(Value.self)")
    }

    /// A value that may be NULL.
    @inlinable
    public func optional<Value: DatabaseValueConvertible>(_ column: some RowColumn, as type: Value.Type = Value.self) throws -> Value? {
        try readable(column, "\(Value.self)") { try column.decode(Value?.self, in: self) }
    }

    /// Text, an integer or a boolean (stored as 0 or 1; any other integer is true, as SQLite and GRDB
    /// read it) that must be there, or that may be NULL. These are read straight from the statement
    /// when the row is a cursor's (`fetchAll(_:arguments:reading:)`), without GRDB's generic conversion.
    @inlinable
    public func required(_ column: some RowColumn, as type: String.Type = String.self) throws -> String {
        try present(optional(column, as: String.self), column, "String")
    }

    @inlinable
    public func required(_ column: some RowColumn, as type: Int64.Type = Int64.self) throws -> Int64 {
        try present(optional(column, as: Int64.self), column, "Int64")
    }

    @inlinable
    public func required(_ column: some RowColumn, as type: Int.Type = Int.self) throws -> Int {
        Int(try present(optional(column, as: Int64.self), column, "Int"))
    }

    @inlinable
    public func required(_ column: some RowColumn, as type: Bool.Type = Bool.self) throws -> Bool {
        try present(optional(column, as: Int64.self), column, "Bool") != 0
    }

    @inlinable
    public func optional(_ column: some RowColumn, as type: String.Type = String.self) throws -> String? {
        try readable(column, "String") { try column.text(in: self) }
    }

    @inlinable
    public func optional(_ column: some RowColumn, as type: Int64.Type = Int64.self) throws -> Int64? {
        try readable(column, "Int64") { try column.integer(in: self) }
    }

    /// A UUID stored as text.
    @inlinable
    public func uuid(_ column: some RowColumn) throws -> UUID {
        guard let id = UUID(parsing: try required(column, as: String.self)) else {
            throw UnreadableRow(column: column.columnName, problem: "is not a UUID")
        }
        return id
    }

    /// A UUID stored as text, or NULL.
    @inlinable
    public func optionalUUID(_ column: some RowColumn) throws -> UUID? {
        guard let text = try optional(column, as: String.self) else { return nil }
        guard let id = UUID(parsing: text) else { throw UnreadableRow(column: column.columnName, problem: "is not a UUID") }
        return id
    }

    /// A time stored as milliseconds.
    @inlinable
    public func date(_ column: some RowColumn) throws -> Date {
        Date(millisecondsSince1970: try required(column, as: Int64.self))
    }

    @inlinable
    public func optionalDate(_ column: some RowColumn) throws -> Date? {
        try optional(column, as: Int64.self).map(Date.init(millisecondsSince1970:))
    }

    /// A case of an enumeration stored as its raw text.
    @inlinable
    public func enumeration<Value: RawRepresentable>(_ column: some RowColumn, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        try UnreadableRow.enumeration(try required(column, as: String.self), column: column.columnName)
    }

    /// What `read` reads of `column`; a value it cannot read is an `UnreadableRow` naming the column.
    @inlinable
    func readable<Value>(_ column: some RowColumn, _ typeName: @autoclosure () -> String, _ read: () throws -> Value?) throws -> Value? {
        do { return try read() } catch { throw UnreadableRow(column: column.columnName, problem: "is not a \(typeName())") }
    }

    /// A value that must be there: NULL is as unreadable as a wrong type.
    @inlinable
    func present<Value>(_ value: Value?, _ column: some RowColumn, _ typeName: @autoclosure () -> String) throws -> Value {
        guard let value else { throw UnreadableRow(column: column.columnName, problem: "is not a \(typeName())") }
        return value
    }
}

/// Reading rows while the statement is on them: each row is read by `read` as the cursor steps,
/// instead of being copied (every column made a `DatabaseValue`) and read afterwards, as GRDB's
/// `Row.fetchAll` and `Row.fetchOne` do. A row must not be kept past `read`, and the cursor must live
/// until `read` is done: the statement is reset when its cursor goes.
extension Row {
    public static func fetchAll<T>(_ statement: Statement, arguments: StatementArguments, reading read: (Row) throws -> T) throws -> [T] {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        return try withExtendedLifetime(rows) {
            var values: [T] = []
            while let row = try rows.next() { values.append(try read(row)) }
            return values
        }
    }

    public static func fetchOne<T>(_ statement: Statement, arguments: StatementArguments, reading read: (Row) throws -> T) throws -> T? {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        return try withExtendedLifetime(rows) { try rows.next().map(read) }
    }
}
