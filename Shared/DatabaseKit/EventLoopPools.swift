import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A service's pool of PostgreSQL connections split over the event loops: a postgres-nio client for
/// each loop, holding its share of the connections on that loop. A statement goes to the client of the
/// loop its caller runs on, so that it is written, answered and resumed on that one thread.
///
/// With one client for all loops, whose connections it spreads over them, a request's statement could
/// be written by another loop's thread (with two loops, about half the time: reasoned, not counted), and
/// the request then went on from there. Split, `COMPARE_DATABASE=postgres Benchmarks/compare.sh`, three
/// alternating pairs each (2026-12-06): the list +46, +33, +42 %; by id +12, −5, +20 %; create +19,
/// +8, +8 %; refresh +29, −7, +22 %; the CPU a request about the same.
///
/// A caller whose loop's share has every connection out, or that runs on no loop, takes the share
/// with the fewest connections out for its size: a service that a few client connections reach
/// (all on one loop) still uses the whole pool.
final class EventLoopPools: Sendable {
    /// One client and how many of its connections are out.
    final class Share: Sendable {
        let client: PostgresClient
        /// The loop the client's connections are on; nil for a client on every loop.
        let loop: ObjectIdentifier?
        let size: Int
        let leased = Atomic(0)

        init(client: PostgresClient, loop: ObjectIdentifier?, size: Int) {
            self.client = client
            self.loop = loop
            self.size = size
        }
    }

    let shares: [Share]

    /// `size` connections of `configuration`, split over `loops` (at most `size` of them: each share
    /// has one connection at least); one client on postgres-nio's own loops when fewer than two loops.
    /// `keepsEveryConnectionOpen`: each share opens all of its connections at the start.
    init(_ configuration: PostgresClient.Configuration, size: Int, keepsEveryConnectionOpen: Bool, loops: [any EventLoop], logger: Logger) {
        func sized(_ share: Int) -> PostgresClient.Configuration {
            var sized = configuration
            sized.options.maximumConnections = share
            sized.options.minimumConnections = keepsEveryConnectionOpen ? share : 0
            return sized
        }
        let loops = loops.prefix(size)
        guard loops.count > 1 else {
            shares = [Share(client: PostgresClient(configuration: sized(size), backgroundLogger: logger), loop: nil, size: size)]
            return
        }
        shares = Self.sizes(of: size, over: loops.count).enumerated().map { index, share in
            let part = sized(share)
            let loop = loops[loops.startIndex + index]
            return Share(client: PostgresClient(configuration: part, eventLoopGroup: loop, backgroundLogger: logger), loop: ObjectIdentifier(loop), size: share)
        }
    }

    /// `size` split into `parts` as evenly as can be, the larger first.
    static func sizes(of size: Int, over parts: Int) -> [Int] {
        (0..<parts).map { size / parts + ($0 < size % parts ? 1 : 0) }
    }

    /// Runs every share's client until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for share in shares { group.addTask { await share.client.run() } }
        }
    }

    /// Runs `body` on a connection of the share `share(for:)` picks for the caller's loop.
    ///
    /// A `body` that is cancelled (past `withDeadline`'s limit, or its caller's task cancelled) has its
    /// connection closed: postgres-nio's statements do not heed cancellation, and one sent to a server
    /// that stopped answering would hold its connection (and a migration's advisory lock) until the
    /// operating system gave up on it, hours later. Closed, the statement fails at once, and the
    /// connection goes back to the pool once it is closed: given back a moment earlier (the statement
    /// fails before the channel is closed), it was handed to the next caller, whose statement then
    /// failed as closed by the client.
    ///
    /// With `turn`, the share is the one whose turn it is instead (`share(forTurn:)`).
    func withConnection<Result: Sendable>(takingTurn turn: UInt? = nil, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let share = turn.map(share(forTurn:)) ?? share(for: MultiThreadedEventLoopGroup.currentEventLoop.map(ObjectIdentifier.init))
        share.leased.add(1, ordering: .relaxed)
        defer { share.leased.subtract(1, ordering: .relaxed) }
        return try await share.client.withConnection { connection in
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(
                    try await withTaskCancellationHandler { try await body(connection) } onCancel: {
                        let _: EventLoopFuture<Void> = connection.close()
                    })
            } catch {
                outcome = .failure(error)
            }
            if Task.isCancelled { try? await connection.close() }  // closed, before it goes back
            return try outcome.get()
        }
    }

    /// The share whose turn `turn` is, the shares taking turns round and round, while it has a
    /// connection free (then as `share(for:)`): statements that take turns are spread over the loops,
    /// whatever loop their callers run on.
    func share(forTurn turn: UInt) -> Share {
        share(for: shares[Int(turn % UInt(shares.count))].loop)
    }

    /// The share of `loop` while it has a connection free; otherwise the share with the fewest out for
    /// its size (the counts are read without a lock: a choice that races another is still a good one).
    func share(for loop: ObjectIdentifier?) -> Share {
        guard shares.count > 1 else { return shares[0] }
        if let loop, let own = shares.first(where: { $0.loop == loop }), own.leased.load(ordering: .relaxed) < own.size {
            return own
        }
        var best = shares[0]
        var bestLeased = best.leased.load(ordering: .relaxed)
        for share in shares.dropFirst() {
            let leased = share.leased.load(ordering: .relaxed)
            if leased * best.size < bestLeased * share.size { (best, bestLeased) = (share, leased) }
        }
        return best
    }
}
