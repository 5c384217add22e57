import Dispatch

/// A task executor of its own (a serial dispatch queue) for a task that other tasks wait on, so that
/// it goes on as soon as what it awaited is done instead of behind an event loop's other work.
///
/// With NIO's executor takeover, every task's job goes onto one of the event loops. A task that loops
/// over awaited steps (the collector's writer: take a group, write it, answer it, take the next) then
/// waits, between two steps, for the loop that runs it to finish whatever it is doing, a request body
/// of 1,000 events to parse say, while the database's writer sits idle. Run under this executor
/// (`withTaskExecutorPreference`), its jobs never wait behind requests.
public final class SerialQueueTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue
    private static let owner = DispatchSpecificKey<ObjectIdentifier>()

    public init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: Self.owner, value: ObjectIdentifier(self))
    }

    /// Whether the caller runs on this executor's queue.
    public var isCurrent: Bool { DispatchQueue.getSpecific(key: Self.owner) == ObjectIdentifier(self) }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
