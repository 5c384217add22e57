import NIOCore
import NIOPosix
import Testing

@testable import DatabaseKit

/// A caller of grouped statements is answered on the event loop it waited on, not on its group's
/// worker's (`GroupQueue.Waiting.loop`, woken through `WakingLoop`, whose own tests show the wake-up's loop).
struct GroupQueueTests {
    @Test func aCallerIsAnsweredOnTheLoopItWaitedOnWhicheverLoopItsWorkerRunsOn() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let (callerLoop, workerLoop) = (loops[0], loops[1])
        let queue = GroupQueue<Int, Int>(maximumGroup: 4, maximumWorkers: 1)
        async let answer = withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            callerLoop.execute { _ = queue.wait(.init(item: 7, continuation: continuation)) }
        }
        while queue.waitingCount == 0 { await Task.yield() }
        let waiting = try await workerLoop.submit { queue.nextGroup() }.get()
        #expect(waiting.map(\.item) == [7])
        #expect(waiting.first?.loop.loop === callerLoop, "the caller's loop is where it waited")
        workerLoop.execute { GroupQueue.answer(waiting, with: [.success(70)]) }
        #expect(try await answer == 70)
        try await group.shutdownGracefully()
    }
}
