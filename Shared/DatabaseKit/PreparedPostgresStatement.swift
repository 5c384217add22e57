import Logging
import PostgresNIO
import Synchronization

/// The text of a statement that never changes: `Prepared<Self>` runs it as a prepared statement.
public protocol FixedPostgresStatement: SendableMetatype {
    /// The SQL, its values as `$1`, `$2`, …; columns named, never `*` (a column added while the statement
    /// is prepared would change what `*` means, and PostgreSQL refuses to run it then).
    static var sql: String { get }
}

/// `Text`'s statement with its values bound, prepared by postgres-nio once a connection (under a name
/// made from its text), so that PostgreSQL parses and plans it once: `Bind` and `Execute` after the first
/// use, instead of the whole text each time.
///
/// The blog's read by id took 144–145 µs of PostgreSQL's CPU sent whole, 63–68 µs prepared, and the
/// blog's own 314–338 → 283–310 µs: 3,734 and 3,444 → 4,715 and 4,249 reads a second (`wrk -t2 -c32`,
/// alternating, 2026-12-06).
public struct Prepared<Text: FixedPostgresStatement>: PostgresPreparedStatement {
    public typealias Row = PostgresRow
    public static var sql: String { Text.sql }
    /// Named after its text (FNV-1a): one name a text, within PostgreSQL's 63 bytes (a type's full name
    /// can be longer, and PostgreSQL would cut it, so that two statements could share one). Made once a
    /// statement: postgres-nio asks for it on every execution, and hashing the refresh's join (650
    /// bytes) took 2.4 µs each time.
    public static var name: String { StatementNames.shared.name(of: Text.self) }

    let values: PostgresValues

    /// The statement with the values `bind` appends, in the order of their numbers.
    public init(_ bind: (inout PostgresValues) throws -> Void) rethrows {
        var values = PostgresValues()
        try bind(&values)
        self.values = values
    }

    public func makeBindings() -> PostgresBindings { values.bindings }
    public func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// A statement's values, in the order of their numbers: bound as postgres-nio's prepared statements take
/// them (`rows`), and kept to be made into the `PostgresData` that its `PreparedQuery` takes instead
/// (`allRows`, which has no other way in) only when it runs them. Binding a post's nine values took
/// 1.58 and 1.77 µs into `PostgresBindings` alone, 1.57 and 1.98 µs so; making both forms each time,
/// 3.3–3.7 µs (a micro-benchmark of a million, 2026-12-06).
public struct PostgresValues: Sendable {
    private(set) var bindings = PostgresBindings()
    private var values: [(any PostgresNonThrowingEncodable & Sendable)?]

    public init() {
        values = []
        values.reserveCapacity(12)
    }

    public mutating func append<Value: PostgresNonThrowingEncodable & Sendable>(_ value: Value) {
        bindings.append(value)
        values.append(value)
    }

    /// A value, or null.
    public mutating func append<Value: PostgresNonThrowingEncodable & Sendable>(_ value: Value?) {
        bindings.append(value)
        values.append(value)
    }

    /// The values as `PostgresData`, each in the binary format, as postgres-nio binds every value.
    var data: [PostgresData] {
        values.map { value in
            guard let value else { return PostgresData(type: .null) }
            return Self.data(value)
        }
    }

    private static func data<Value: PostgresNonThrowingEncodable>(_ value: Value) -> PostgresData {
        precondition(Value.psqlFormat == .binary, "\(Value.self) is not encoded in the binary format")
        var buffer = ByteBuffer()
        value.encode(into: &buffer, context: .default)
        return PostgresData(type: Value.psqlType, value: buffer)
    }
}

/// `columns` of the table named `alias` in a join, each named with `prefix` (`u.email AS u_email`), as
/// the readers' `prefix` reads them: written from the reader's own list, never by hand.
public func joinedColumns(_ columns: [String], of alias: String, prefix: String = "") -> String {
    columns.map { "\(alias).\($0) AS \(prefix)\($0)" }.joined(separator: ", ")
}

/// The names of the statements run so far, one a `FixedPostgresStatement` type (a set fixed at build time).
final class StatementNames: Sendable {
    static let shared = StatementNames()
    private let names = Mutex<[ObjectIdentifier: String]>([:])

    func name<Text: FixedPostgresStatement>(of text: Text.Type) -> String {
        let key = ObjectIdentifier(text)
        return names.withLock { names in
            if let known = names[key] { return known }
            let made = statementName(of: Text.sql)  // once a type: its text is hashed on its first run only
            names[key] = made
            return made
        }
    }
}

/// `s_` and the 64-bit FNV-1a hash of `sql`, in hex.
func statementName(of sql: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in sql.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    return "s_" + String(hash, radix: 16)
}

extension PostgresConnection {
    /// The rows of a prepared statement, each readable by column name (a statement that fails with the
    /// server's error closes its connection: `rows(_:logger:reading:)`).
    public func rows<Text>(_ statement: Prepared<Text>, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await rows(statement, logger: logger) { $0.makeRandomAccess() }
    }

    /// Runs a prepared statement; the count of rows it returned.
    @discardableResult
    public func run<Text>(_ statement: Prepared<Text>, logger: Logger) async throws -> Int {
        try await rows(statement, logger: logger).count
    }
}

extension PostgresAccess {
    /// The rows of a prepared statement, each readable by column name.
    public func rows<Text>(_ statement: Prepared<Text>, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await rows(statement, logger: logger) { $0.makeRandomAccess() }
    }

    /// Runs a prepared statement; the count of rows it returned.
    @discardableResult
    public func run<Text>(_ statement: Prepared<Text>, logger: Logger) async throws -> Int {
        try await rows(statement, logger: logger).count
    }
}

extension PostgresConnection {
    /// The rows of a prepared statement that returns many (a page), handed over together once the last
    /// has come, each read by `read`; for a statement of a row or none, `rows(_:logger:reading:)`.
    ///
    /// `rows` takes them from postgres-nio's row sequence, one `await` a row: about 5 µs of the service's
    /// CPU a row. Read so, the blog's list on PostgreSQL answered 18 % more with 22 % less of its CPU a
    /// request (medians of five pairs of `COMPARE_DATABASE=postgres compare.sh blog-list`, 2026-12-06);
    /// a post by id, no change. The one way postgres-nio prepares a statement and hands its rows over
    /// together is its older `PreparedQuery`: prepared once a connection (`PreparedQueries`), under a
    /// name of postgres-nio's, and without its values' types: PostgreSQL gives each place the type it
    /// infers, and refuses a value of another (an `Int`, a `BIGINT`, where an `INTEGER` column is
    /// compared: cast the place, `$1::bigint`). Its errors are the older `PostgresError` (a
    /// `ContractErrorConvertible` too). After the server's error the connection is closed, as `rows`
    /// closes it, and the statement is prepared again on the next.
    public func allRows<Text, Value>(
        _ statement: Prepared<Text>, logger: Logger, reading read: (PostgresRow) throws -> Value
    ) async throws -> [Value] {
        do {
            let prepared = try await PreparedQueries.shared.prepared(Text.self, on: self)
            return try await prepared.execute(statement.values.data).get().map(read)
        } catch let error as PostgresError {
            if case .server = error {
                PreparedQueries.shared.forget(self)
                try? await close()
            }
            throw error
        }
    }
}

extension PostgresAccess {
    /// `PostgresConnection.allRows(_:logger:reading:)` on the pool or in the transaction.
    public func allRows<Text, Value: Sendable>(
        _ statement: Prepared<Text>, logger: Logger, reading read: @escaping @Sendable (PostgresRow) throws -> Value
    ) async throws -> [Value] {
        try await withConnection { connection in try await connection.allRows(statement, logger: logger, reading: read) }
    }
}

/// The statements prepared as `PreparedQuery` on each open connection, one a `FixedPostgresStatement`
/// type. An entry holds its connection (its `PreparedQuery`s do); those of closed connections are dropped
/// whenever a statement is prepared (a connection the pool opens prepares its statements on first use).
final class PreparedQueries: Sendable {
    static let shared = PreparedQueries()

    private struct OnConnection {
        let connection: PostgresConnection
        var statements: [ObjectIdentifier: PreparedQuery] = [:]
    }

    private let byConnection = Mutex<[ObjectIdentifier: OnConnection]>([:])

    func prepared<Text: FixedPostgresStatement>(_ text: Text.Type, on connection: PostgresConnection) async throws -> PreparedQuery {
        let (key, statement) = (ObjectIdentifier(connection), ObjectIdentifier(text))
        if let known = byConnection.withLock({ $0[key]?.statements[statement] }) { return known }
        let made = try await connection.prepare(query: Text.sql).get()
        byConnection.withLock { entries in
            entries = entries.filter { !$0.value.connection.isClosed }
            entries[key, default: OnConnection(connection: connection)].statements[statement] = made
        }
        return made
    }

    func forget(_ connection: PostgresConnection) {
        _ = byConnection.withLock { $0.removeValue(forKey: ObjectIdentifier(connection)) }
    }
}
