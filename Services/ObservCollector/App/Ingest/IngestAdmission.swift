import DequeModule
import ServiceKit
import Synchronization

/// Bounds the ingest bodies a collector holds at once: a request is admitted with its body's size
/// before the body is read, and holds it until its batch is committed. Requests beyond the budget wait
/// in their order of arrival, their bodies still unread (in the socket, not in the process).
///
/// Why: a batch in memory, from its bytes to its stored events waiting for the commit, is several
/// times its body. Under `wrk -t2 -c32` with 1,000 events a request, 32 batches were read while the
/// writer committed the 32 before them, and the collector peaked at 104–107 MiB for about the
/// throughput that 4 or 8 connections got with 73–78 MiB. The writer commits one group at a time, so
/// what waits beyond the next group mostly costs memory; admission in order keeps the waits fair. A
/// group takes at most half the budget (`EventWriter.maximumTransactionBytes`): the other half is read
/// and validated while it commits (with whole-budget groups, reading and committing took turns, −12 %).
/// (A waiting request's body is not all in the socket: the HTTP server reads ahead of the handler,
/// about 600 KiB a connection here, so bodies of that size and less gain least.)
final class IngestAdmission: Sendable {
    /// The body bytes admitted at once. A body larger than the budget is admitted alone.
    let budget: Int

    private struct Waiter {
        let id: Int
        let bytes: Int
        let continuation: CheckedContinuation<Void, any Error>
        /// Where the request waits: it reads and parses its body there once admitted, not on the thread
        /// of the commit that made room (`WakingLoop`).
        let loop: WakingLoop

        func admit() {
            loop.wake { continuation.resume() }
        }
    }

    private struct State {
        var admitted = 0
        var waiting = Deque<Waiter>()
        var nextID = 0
    }

    private let state = Mutex(State())

    /// 2 MiB (`INGEST_ADMITTED_BYTES`): five requests of 1,000 request events, or 50 of 100.
    public static let defaultBudget = 2 << 20

    init(budget: Int = IngestAdmission.defaultBudget) {
        precondition(budget > 0, "an admission budget admits something")
        self.budget = budget
    }

    /// Body bytes admitted now.
    var admittedBytes: Int { state.withLock { $0.admitted } }

    /// Requests waiting to be admitted.
    var waitingRequests: Int { state.withLock { $0.waiting.count } }

    /// Runs `body` with the bytes counted for the request once they fit in the budget behind every
    /// request that came before; gives them back when it returns or throws. `bytes` is counted within
    /// 1 and the budget (a larger body goes alone). A request cancelled while waiting leaves the line
    /// and throws `CancellationError`.
    func admitted<Result>(bytes: Int, _ body: (_ counted: Int) async throws -> Result) async throws -> Result {
        let counted = min(max(bytes, 1), budget)
        try await admit(counted)
        defer { release(counted) }
        return try await body(counted)
    }

    private func admit(_ bytes: Int) async throws {
        let id: Int? = state.withLock { state in
            if state.waiting.isEmpty, state.admitted + bytes <= budget {
                state.admitted += bytes
                return nil
            }
            defer { state.nextID += 1 }
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.waiting.append(Waiter(id: id, bytes: bytes, continuation: continuation, loop: .current))
                    return false
                }
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    // Admitted already if the line moved between the first look and joining it.
                    release(0)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives back `bytes`, then admits the waiting requests that now fit, in order.
    private func release(_ bytes: Int) {
        let admitted = state.withLock { state -> [Waiter] in
            state.admitted -= bytes
            var admitted: [Waiter] = []
            while let first = state.waiting.first, state.admitted + first.bytes <= budget {
                state.waiting.removeFirst()
                state.admitted += first.bytes
                admitted.append(first)
            }
            return admitted
        }
        for waiter in admitted { waiter.admit() }
    }
}
