import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceTestSupport
import Testing

@testable import DatabaseKit

/// A pool split over event loops: the shares, their loops, and which share a statement takes.
@Suite struct EventLoopPoolsTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    /// A client made and never run: no connection is opened.
    static let configuration = PostgresClient.Configuration(host: "127.0.0.1", port: 1, username: "nobody", password: nil, database: nil, tls: .disable)

    @Test func aPoolIsSplitAsEvenlyAsCanBe() {
        #expect(EventLoopPools.sizes(of: 10, over: 2) == [5, 5])
        #expect(EventLoopPools.sizes(of: 3, over: 2) == [2, 1])
        #expect(EventLoopPools.sizes(of: 7, over: 3) == [3, 2, 2])
    }

    @Test func eachLoopHasAShareOnItAndEachShareAConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let loops = Array(group.makeIterator())
        let split = EventLoopPools(Self.configuration, size: 7, keepsEveryConnectionOpen: false, loops: loops, logger: Self.logger)
        #expect(split.shares.map(\.size) == [3, 2, 2])
        #expect(split.shares.map(\.loop) == loops.map { ObjectIdentifier($0) })
        // Fewer connections than loops: a share of one on as many loops.
        let small = EventLoopPools(Self.configuration, size: 2, keepsEveryConnectionOpen: false, loops: loops, logger: Self.logger)
        #expect(small.shares.map(\.size) == [1, 1])
        #expect(small.shares.map(\.loop) == loops.prefix(2).map { ObjectIdentifier($0) })
        // One loop: one client, on postgres-nio's loops.
        let whole = EventLoopPools(Self.configuration, size: 5, keepsEveryConnectionOpen: false, loops: Array(loops.prefix(1)), logger: Self.logger)
        #expect(whole.shares.count == 1 && whole.shares[0].loop == nil && whole.shares[0].size == 5)
        try await group.shutdownGracefully()
    }

    @Test func aStatementTakesItsLoopsShareWhileItHasAConnectionFreeAndOtherwiseTheLeastBusy() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pools = EventLoopPools(Self.configuration, size: 5, keepsEveryConnectionOpen: false, loops: Array(group.makeIterator()), logger: Self.logger)
        let (first, second) = (pools.shares[0], pools.shares[1])  // 3 and 2 connections
        #expect(pools.share(for: second.loop) === second)
        second.leased.store(2, ordering: .relaxed)  // all of its connections out
        #expect(pools.share(for: second.loop) === first)
        first.leased.store(3, ordering: .relaxed)
        second.leased.store(1, ordering: .relaxed)  // 1 of 2 out, against 3 of 3
        #expect(pools.share(for: first.loop) === second)
        // On no loop of the pool's, or none at all: the share with the fewest out for its size.
        first.leased.store(1, ordering: .relaxed)  // 1 of 3, against 1 of 2
        #expect(pools.share(for: nil) === first)
        #expect(pools.share(for: ObjectIdentifier(group)) === first)
        try await group.shutdownGracefully()
    }

    @Test func statementsThatTakeTurnsGoToEachLoopsShareInTurnWhileItHasAConnectionFree() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let pools = EventLoopPools(Self.configuration, size: 5, keepsEveryConnectionOpen: false, loops: Array(group.makeIterator()), logger: Self.logger)
        let (first, second) = (pools.shares[0], pools.shares[1])
        #expect((0..<4).map { pools.share(forTurn: $0) === first } == [true, false, true, false])
        #expect(pools.share(forTurn: .max) === second)  // round and round, past the largest turn too
        second.leased.store(2, ordering: .relaxed)  // all of its connections out: the least busy instead
        #expect(pools.share(forTurn: 1) === first)
        try await group.shutdownGracefully()
    }
}
