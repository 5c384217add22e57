import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A row's values read one after another in the order of its `SELECT` list, each named as it is read
/// (a column out of place throws `UnreadableRow` naming it), by concrete functions on the binary
/// values postgres-nio asks for: what the hot reads use, as `SelectedColumn` is for SQLite.
///
/// Reading a page of 20 posts by column name (`PostgresRandomAccessRow`) was 12.9 % of the blog's
/// CPU under `wrk -t2 -c32` on PostgreSQL: a table of the names built for each row, a lookup for
/// each value, and postgres-nio's generic decoding.
public struct PostgresRowReader {
    private var cells: PostgresRow.Iterator

    public init(_ row: PostgresRow) {
        cells = row.makeIterator()
    }

    /// Text that must be there.
    public mutating func text(_ column: String) throws -> String {
        try present(optionalText(column), column)
    }

    public mutating func optionalText(_ column: String) throws -> String? {
        let cell = try next(column)
        guard let bytes = cell.bytes else { return nil }
        switch cell.dataType {
        case .text, .varchar, .name, .bpchar: return String(buffer: bytes)
        default: return try generic(cell, as: String.self)
        }
    }

    /// An integer (`BIGINT`, `INTEGER` or `SMALLINT`) that must be there.
    public mutating func integer(_ column: String) throws -> Int64 {
        try present(optionalInteger(column), column)
    }

    public mutating func optionalInteger(_ column: String) throws -> Int64? {
        let cell = try next(column)
        guard let bytes = cell.bytes else { return nil }
        let value: Int64? = switch cell.dataType {
        case .int8: Self.integer(bytes, as: Int64.self)
        case .int4: Self.integer(bytes, as: Int32.self)
        case .int2: Self.integer(bytes, as: Int16.self)
        default: try generic(cell, as: Int64.self)
        }
        guard let value else { throw Self.unreadable(column, "Int64") }
        return value
    }

    /// A big-endian integer of exactly `Stored`'s width.
    private static func integer<Stored: FixedWidthInteger>(_ bytes: ByteBuffer, as stored: Stored.Type) -> Int64? {
        guard bytes.readableBytes == MemoryLayout<Stored>.size else { return nil }
        return bytes.getInteger(at: bytes.readerIndex, as: Stored.self).map { Int64($0) }
    }

    public mutating func int(_ column: String) throws -> Int {
        Int(try integer(column))
    }

    /// A floating-point number (`DOUBLE PRECISION` or `REAL`) that must be there.
    public mutating func double(_ column: String) throws -> Double {
        let cell = try next(column)
        guard let bytes = cell.bytes else { throw Self.unreadable(column, "Double", "is null") }
        let value: Double? = switch (cell.dataType, bytes.readableBytes) {
        case (.float8, 8): bytes.getInteger(at: bytes.readerIndex, as: UInt64.self).map(Double.init(bitPattern:))
        case (.float4, 4): bytes.getInteger(at: bytes.readerIndex, as: UInt32.self).map { Double(Float(bitPattern: $0)) }
        case (.float8, _), (.float4, _): nil
        default: try generic(cell, as: Double.self)
        }
        guard let value else { throw Self.unreadable(column, "Double") }
        return value
    }

    /// A UUID that must be there.
    public mutating func uuid(_ column: String) throws -> UUID {
        let cell = try next(column)
        guard let bytes = cell.bytes else { throw Self.unreadable(column, "UUID", "is null") }
        guard cell.dataType == .uuid else { return try generic(cell, as: UUID.self) }
        guard bytes.readableBytes == 16 else { throw Self.unreadable(column, "UUID") }
        return bytes.withUnsafeReadableBytes { raw in
            var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: raw) }
            return UUID(uuid: uuid)
        }
    }

    /// A time stored as milliseconds since the epoch (`BIGINT`), that must be there.
    public mutating func date(_ column: String) throws -> Date {
        Date(millisecondsSince1970: try integer(column))
    }

    public mutating func optionalDate(_ column: String) throws -> Date? {
        try optionalInteger(column).map(Date.init(millisecondsSince1970:))
    }

    /// A boolean that must be there.
    public mutating func bool(_ column: String) throws -> Bool {
        let cell = try next(column)
        guard let bytes = cell.bytes else { throw Self.unreadable(column, "Bool", "is null") }
        guard cell.dataType == .bool else { return try generic(cell, as: Bool.self) }
        guard bytes.readableBytes == 1, let byte = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else {
            throw Self.unreadable(column, "Bool")
        }
        return byte != 0
    }

    /// A case of an enumeration stored as its raw text.
    public mutating func enumeration<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        try UnreadableRow.enumeration(try text(column), column: column)
    }

    // MARK: Parts

    /// The next cell, which must be `column`'s, in the binary format.
    ///
    /// postgres-nio asks for every column of every statement in binary (its `Bind` message); the rows of
    /// its `PreparedQuery` (`PostgresConnection.allRows(_:logger:reading:)`) still say text in 1.33.2
    /// (the description it keeps is the one from before it set the formats: vapor/postgres-nio#303,
    /// fixed upstream by #671, in no version this project can use yet).
    private mutating func next(_ column: String) throws -> PostgresCell {
        guard var cell = cells.next() else { throw UnreadableRow(column: column, problem: "is missing") }
        guard cell.columnName == column else {
            throw UnreadableRow(column: column, problem: "is missing: '\(cell.columnName)' is in its place")
        }
        cell.format = .binary
        return cell
    }

    /// A value of a type or format the concrete readers do not read, by postgres-nio's decoding.
    private func generic<Value: PostgresDecodable>(_ cell: PostgresCell, as type: Value.Type) throws -> Value {
        do {
            return try cell.decode(Value.self)
        } catch {
            throw Self.unreadable(cell.columnName, "\(Value.self)")
        }
    }

    private func present<Value>(_ value: Value?, _ column: String) throws -> Value {
        guard let value else { throw Self.unreadable(column, "\(Value.self)", "is null") }
        return value
    }

    private static func unreadable(_ column: String, _ type: String, _ problem: String? = nil) -> UnreadableRow {
        UnreadableRow(column: column, problem: problem ?? "is not a \(type)")
    }
}

extension PostgresConnection {
    /// The rows of a prepared statement, each read by `read` as it arrives.
    ///
    /// postgres-nio keeps a statement whose preparation failed as failed on its connection for good (a
    /// table locked past the statement time limit by another replica's migration would do it), so a
    /// connection on which one fails with the server's error is closed: the pool opens another.
    public func rows<Text, Value>(
        _ statement: Prepared<Text>, logger: Logger, reading read: (PostgresRow) throws -> Value
    ) async throws -> [Value] {
        do {
            var values: [Value] = []
            for try await row in try await execute(statement, logger: logger) { values.append(try read(row)) }
            return values
        } catch let error as PSQLError where error.code == .server {
            try? await close()
            throw error
        }
    }
}

extension PostgresAccess {
    /// The rows of a prepared statement, each read by `read` as it arrives.
    public func rows<Text, Value: Sendable>(
        _ statement: Prepared<Text>, logger: Logger, reading read: @escaping @Sendable (PostgresRow) throws -> Value
    ) async throws -> [Value] {
        try await withConnection { connection in try await connection.rows(statement, logger: logger, reading: read) }
    }
}
