import NIOCore
import NIOPosix

// With NIO's executor takeover (`ServiceMain.runTasksOnEventLoops`), a task goes on, after an await,
// on the event loop of the thread that resumed it. Tasks that wait on one another then gather on one
// loop: on PostgreSQL, the collector's two writers (each resumed by its connection's answers on that
// connection's loop) and the requests they let in, which then read and parse their bodies there too,
// so that one of the two cores parsed every body and wrote every group while the other read sockets
// (ingest 17 % idle). The two types below keep such tasks on loops of their own.

/// A task executor that runs its tasks' jobs on one event loop: a task run under it
/// (`withTaskExecutorPreference`) goes on, after each await, on that loop, whichever thread resumed it.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    /// One executor for each loop of NIO's singleton group, the loops the services' tasks run on.
    public static func forEachSingletonLoop() -> [EventLoopTaskExecutor] {
        MultiThreadedEventLoopGroup.singleton.makeIterator().map(EventLoopTaskExecutor.init)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The event loop a task waited on, to wake it there: a continuation resumed through `wake` is
/// resumed on that loop, so that the task goes on there rather than on the thread of its waker.
/// A task that waited off the loops (no takeover, a test) is woken where `wake` is called.
public struct WakingLoop: Sendable {
    public let loop: (any EventLoop)?

    public init(loop: (any EventLoop)?) {
        self.loop = loop
    }

    /// The loop the caller runs on, if any.
    public static var current: WakingLoop { WakingLoop(loop: MultiThreadedEventLoopGroup.currentEventLoop) }

    /// Runs `resume` on the loop (at once when called there, or with none).
    public func wake(_ resume: @escaping @Sendable () -> Void) {
        if let loop, !loop.inEventLoop {
            loop.execute(resume)
        } else {
            resume()
        }
    }
}
