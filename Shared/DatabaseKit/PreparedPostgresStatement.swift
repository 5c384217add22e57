import Logging
import PostgresNIO
import Synchronization

/// The text of a statement that never changes: `Prepared<Self>` runs it as a prepared statement.
public protocol FixedPostgresStatement {
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

    private let bindings: PostgresBindings

    /// The statement with the values `bind` appends, in the order of their numbers.
    public init(_ bind: (inout PostgresBindings) throws -> Void) rethrows {
        var bindings = PostgresBindings()
        try bind(&bindings)
        self.bindings = bindings
    }

    public func makeBindings() -> PostgresBindings { bindings }
    public func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// The names of the statements run so far, one a `FixedPostgresStatement` type (a set fixed at build time).
final class StatementNames: Sendable {
    static let shared = StatementNames()
    private let names = Mutex<[ObjectIdentifier: String]>([:])

    func name<Text: FixedPostgresStatement>(of text: Text.Type) -> String {
        let (key, sql) = (ObjectIdentifier(text), Text.sql)
        return names.withLock { names in
            if let known = names[key] { return known }
            let made = statementName(of: sql)
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
