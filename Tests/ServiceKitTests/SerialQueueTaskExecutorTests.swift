import Foundation
import ServiceKit
import Testing

/// A task that prefers a `SerialQueueTaskExecutor` runs on that executor's queue, whoever resumes it.
struct SerialQueueTaskExecutorTests {
    @Test func aTaskRunsOnTheExecutorsQueueBeforeAndAfterEachAwait() async {
        let executor = SerialQueueTaskExecutor(label: "test-writer")
        let onTheQueue = await withTaskExecutorPreference(executor) { () async -> [Bool] in
            var onTheQueue = [executor.isCurrent]
            // Resumed by a thread of its own, as a database's writer queue resumes the writer.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { continuation.resume() }
            }
            onTheQueue.append(executor.isCurrent)
            try? await Task.sleep(for: .milliseconds(1))
            onTheQueue.append(executor.isCurrent)
            return onTheQueue
        }
        #expect(onTheQueue == [true, true, true])
        #expect(!executor.isCurrent)
    }
}
