import Synchronization

/// Callers of a group commit, as the tests of `SQLiteGroupCommit` and `PostgresGroupCommit` make them.
enum GroupCommitCallers {
    typealias Write = @Sendable (Int) async throws -> Void

    /// The error of a failed result, when it is an `E`.
    static func error<E: Error>(_ result: Result<Void, any Error>?, as type: E.Type) -> E? {
        guard case .failure(let error) = result else { return nil }
        return error as? E
    }

    static func result(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Writes `first`, then, once `firstIsBeingWritten` says so, each of `others` at once, each on a
    /// task of its own; the results of those answered within 20 s. Collected rather than awaited, so
    /// that a caller left waiting fails a test (its result is missing) instead of hanging it.
    static func write(
        first: Int, then others: [Int], once firstIsBeingWritten: @escaping @Sendable () -> Bool, with write: @escaping Write
    ) async throws -> [Int: Result<Void, any Error>] {
        final class Results: Sendable { let byItem = Mutex<[Int: Result<Void, any Error>]>([:]) }
        let results = Results()
        func start(_ item: Int) {
            Task {
                let answer = await result { try await write(item) }
                results.byItem.withLock { $0[item] = answer }
            }
        }
        start(first)
        let started = ContinuousClock.now + .seconds(10)
        while !firstIsBeingWritten(), ContinuousClock.now < started { await Task.yield() }
        for item in others { start(item) }
        let deadline = ContinuousClock.now + .seconds(20)
        while results.byItem.withLock({ $0.count }) < others.count + 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return results.byItem.withLock { $0 }
    }

    /// Starts a caller for each of `items` at once, each on a task of its own, so that callers keep
    /// coming while groups are written; how many were answered within 20 s. Counted rather than
    /// awaited, so that a caller left waiting fails a test instead of hanging it.
    static func answers(of items: ClosedRange<Int>, with write: @escaping Write) async throws -> Int {
        final class Answers: Sendable { let count = Atomic(0) }
        let answers = Answers()
        for item in items {
            Task {
                try await write(item)
                answers.count.add(1, ordering: .sequentiallyConsistent)
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while answers.count.load(ordering: .sequentiallyConsistent) < items.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return answers.count.load(ordering: .sequentiallyConsistent)
    }
}
