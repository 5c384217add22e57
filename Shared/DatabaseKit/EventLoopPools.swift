import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A service's pool of PostgreSQL connections split over the event loops: a postgres-nio client for
/// each loop, holding its share of the connections on that loop. A statement goes to the client of the
/// loop its caller runs on, so that it is written, answered and resumed on that one thread.
///
/// With one client for all loops, a request's statement was written by another loop's thread half the
/// time, and the request then went on (and wrote its response) from there: two hops between threads a
/// statement. Split, the PostgreSQL rows of `COMPARE_DATABASE=postgres Benchmarks/compare.sh`
/// answered 15–44 % more (2026-12-06: by id, lists, refreshes).
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
    init(_ configuration: PostgresClient.Configuration, size: Int, loops: [any EventLoop], logger: Logger) {
        let loops = loops.prefix(size)
        guard loops.count > 1 else {
            var whole = configuration
            whole.options.maximumConnections = size
            shares = [Share(client: PostgresClient(configuration: whole, backgroundLogger: logger), loop: nil, size: size)]
            return
        }
        shares = Self.sizes(of: size, over: loops.count).enumerated().map { index, share in
            var part = configuration
            part.options.maximumConnections = share
            if part.options.minimumConnections > 0 { part.options.minimumConnections = share }
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
    func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let share = share(for: MultiThreadedEventLoopGroup.currentEventLoop.map(ObjectIdentifier.init))
        share.leased.add(1, ordering: .relaxed)
        defer { share.leased.subtract(1, ordering: .relaxed) }
        return try await share.client.withConnection(body)
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
