import Synchronization

/// What a group commit's writers share (`SQLiteGroupCommit`, `PostgresGroupCommit`): the callers
/// waiting for their items to be written, in order of arrival, and how many writers are at work, at
/// most `maximumWriters`. A writer takes the waiting callers a group at a time, at most
/// `maximumGroup`, and answers each after its group's commit.
final class GroupCommitQueue<Item: Sendable>: Sendable {
    /// A caller waiting for its item's commit.
    struct Waiting: Sendable {
        let item: Item
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writers = 0
    }

    let maximumGroup: Int
    let maximumWriters: Int
    private let state = Mutex(State())

    init(maximumGroup: Int, maximumWriters: Int) {
        self.maximumGroup = max(1, maximumGroup)
        self.maximumWriters = max(1, maximumWriters)
    }

    /// Callers waiting for a group.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Takes a writer's place for a caller that writes its item itself: only when one is free and
    /// nobody waits (who came first goes first). The caller then calls `aLoneWriterFinished`.
    func takeAPlaceToWriteAlone() -> Bool {
        state.withLock { state in
            guard state.waiting.isEmpty, state.writers < maximumWriters else { return false }
            state.writers += 1
            return true
        }
    }

    /// Adds a waiting caller; true when a writer's place was free and is now taken for the caller to
    /// start a writer that takes the groups (`nextGroup`).
    func wait(_ waiting: Waiting) -> Bool {
        state.withLock { state in
            state.waiting.append(waiting)
            guard state.writers < maximumWriters else { return false }
            state.writers += 1
            return true
        }
    }

    /// The next group for a writer; empty when nobody waits, and the writer's place is then given back.
    func nextGroup() -> [Waiting] {
        state.withLock { state in
            let taken = Array(state.waiting.prefix(maximumGroup))
            state.waiting.removeFirst(taken.count)
            if taken.isEmpty { state.writers -= 1 }
            return taken
        }
    }

    /// A caller that wrote its item alone is done: true when callers wait and it must start a writer for
    /// them (the place stays taken); else its place is given back.
    func aLoneWriterFinished() -> Bool {
        state.withLock { state in
            if state.waiting.isEmpty { state.writers -= 1 }
            return !state.waiting.isEmpty
        }
    }

    /// Answers each caller of `group` with its result (`results` in the group's order).
    static func answer(_ group: [Waiting], with results: [Result<Void, any Error>]) {
        for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
    }
}
