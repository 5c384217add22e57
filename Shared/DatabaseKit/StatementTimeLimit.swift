import Dispatch
import GRDB
import GRDBSQLite
import ServiceKit

/// Bounds every statement of a SQLite connection in time, so that no single request holds the
/// database for long (a `LIKE '%…%'` over long texts, a statistics query over a busy day).
///
/// SQLite tells when each statement starts (`sqlite3_trace_v2` with `SQLITE_TRACE_STMT`) and calls a
/// progress handler every `checkInterval` virtual-machine steps; once the running statement is older
/// than the limit, the handler interrupts it and the statement fails with `SQLITE_INTERRUPT`, which
/// answers 503 (see `DatabaseError.appError`). Both callbacks run on the connection's own thread.
/// Measured (`make bench`, "SQLite point read" with and without): no difference beyond the noise of
/// a 170 µs read through GRDB's async API on 2 cores.
public final class StatementTimeLimit: @unchecked Sendable {
    /// Virtual-machine steps between two looks at the clock.
    static let checkInterval: Int32 = 100

    private let limitNanoseconds: UInt64
    /// When the running statement started (uptime nanoseconds); touched on the connection's thread only.
    private var startedAt: UInt64 = 0

    private init(_ limit: Duration) {
        let (seconds, attoseconds) = limit.components
        limitNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Installs the limit on `db`. The limit object lives as long as the process: one per connection,
    /// and a pool has a handful.
    static func install(_ limit: Duration, on db: Database) {
        let clock = Unmanaged.passRetained(StatementTimeLimit(limit)).toOpaque()
        sqlite3_trace_v2(db.sqliteConnection, UInt32(SQLITE_TRACE_STMT), { _, context, _, _ in
            Unmanaged<StatementTimeLimit>.fromOpaque(context!).takeUnretainedValue().startedAt = DispatchTime.now().uptimeNanoseconds
            return 0
        }, clock)
        sqlite3_progress_handler(db.sqliteConnection, checkInterval, { context in
            let limit = Unmanaged<StatementTimeLimit>.fromOpaque(context!).takeUnretainedValue()
            return DispatchTime.now().uptimeNanoseconds &- limit.startedAt > limit.limitNanoseconds ? 1 : 0
        }, clock)
    }
}

/// An error of the database that the contract's error body should tell apart from an internal one.
extension DatabaseError: ContractErrorConvertible {
    public var appError: AppError? {
        resultCode == .SQLITE_INTERRUPT
            ? AppError.unavailable(retryAfterSeconds: 1, message: "The query took too long and was stopped; narrow it down or try again")
            : nil
    }
}
