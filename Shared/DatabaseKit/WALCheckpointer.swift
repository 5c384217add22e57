import GRDB
import Logging
import ServiceKit
import ServiceLifecycle

/// Checkpoints a SQLite database's write-ahead log on a connection and a thread of its own, every
/// `interval`, instead of in the commits of the requests.
///
/// SQLite checkpoints by itself in the commit that takes the log past its threshold (1,000 pages by
/// default), on that writer's thread: the services write on their callers' threads, so an event loop
/// copied pages into the database file and waited for two `fsync`s, dozens of times a second under a
/// write load. The services' writers now checkpoint by themselves only past
/// `SQLiteDatabase.checkpointBackstopPages`, for a database without this service (a tool's, a test's),
/// or one whose log outgrows what this service keeps up with.
///
/// Checkpoints are `PASSIVE`: writers and readers never wait for one, and it copies what no reader
/// still needs; a writer that finds the whole log copied starts it again from its beginning.
///
/// Durability is bounded by time instead of by size: with `synchronous=NORMAL` a commit survives a power
/// loss once a checkpoint has synced the log after it (within `interval`; before, up to 1,000 pages
/// later, which a quiet service could take hours to write). A process crash loses nothing either way.
public struct WALCheckpointer: Service {
    /// Short, so that each checkpoint is small: every second, one copied a second of the blog's creates
    /// (about 8 MB) and its `fsync` held the writers' log writes (create p99 12 → 30 ms); every 0.1 s
    /// the p99 rose by a millisecond or two (11.7–13.6 → 13.3–14.8 ms against no checkpointer,
    /// `Benchmarks/compare.sh blog-create`, two runs of each).
    public static let defaultInterval: Duration = .milliseconds(100)

    let path: String
    let interval: Duration
    let logger: Logger

    public init(path: String, interval: Duration = defaultInterval, logger: Logger) {
        self.path = path
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var configuration = Configuration()
        configuration.label = "WALCheckpointer"
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        // On the connection's own dispatch queue, never on an event loop.
        await repeatUntilShutdown(every: interval, logger: logger, failure: "A WAL checkpoint failed") {
            try await connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        }
    }
}
