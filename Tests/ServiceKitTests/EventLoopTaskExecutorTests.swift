import NIOCore
import NIOPosix
import ServiceKit
import Synchronization
import Testing

/// Tasks kept on an event loop of their own: under an `EventLoopTaskExecutor` whoever resumes them, or
/// woken on the loop they waited on (`WakingLoop`).
struct EventLoopTaskExecutorTests {
    @Test func aTaskUnderTheExecutorGoesOnOnItsLoopWhicheverLoopResumesIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let (home, other) = (loops[0], loops[1])
        let onItsLoop = await withTaskExecutorPreference(EventLoopTaskExecutor(home)) { () async -> [Bool] in
            var onItsLoop = [home.inEventLoop]
            // Resumed by the other loop, as a database's answer on another loop's connection resumes a writer.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                other.execute { continuation.resume() }
            }
            onItsLoop.append(home.inEventLoop)
            try? await Task.sleep(for: .milliseconds(1))
            onItsLoop.append(home.inEventLoop)
            return onItsLoop
        }
        #expect(onItsLoop == [true, true, true])
        try await group.shutdownGracefully()
    }

    @Test func aWakeUpRunsOnTheLoopTheWaiterWasOn() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let (waiterLoop, wakerLoop) = (loops[0], loops[1])
        let waking = try await waiterLoop.submit { WakingLoop.current }.get()
        #expect(waking.loop === waiterLoop)
        let ranOn = await withCheckedContinuation { (answer: CheckedContinuation<[Bool], Never>) in
            wakerLoop.execute {
                waking.wake { answer.resume(returning: [waiterLoop.inEventLoop, wakerLoop.inEventLoop]) }
            }
        }
        #expect(ranOn == [true, false], "the wake-up ran on the waker's loop")
        try await group.shutdownGracefully()
    }

    @Test func aWaiterOffTheLoopsIsWokenWhereTheWakeUpIsCalled() {
        let waking = WakingLoop.current  // a test runs on Swift's own threads, none a loop
        #expect(waking.loop == nil)
        let ran = Mutex(false)
        waking.wake { ran.withLock { $0 = true } }
        #expect(ran.withLock { $0 }, "woken at once, where called")
    }
}
