import NIOCore
import NIOPosix
import Synchronization

/// Runs `body`, or throws `DatabaseUnavailable` once `limit` has passed: then `body` is cancelled and the
/// caller answered at once, whether `body` heeds its cancellation or not.
///
/// postgres-nio's statements do not: one sent to a server that stopped answering (a network cut, a
/// frozen host) waits for its connection to close, and a caller that waited for it waited without
/// bound. What `body` does after the limit is dropped: a write whose answer never came may have been
/// committed or not, as with any answer lost on the way. An answer that comes before the limit is
/// returned, or its error thrown, as it was.
///
/// The limit is one of NIO's scheduled tasks, taken off its event loop's queue as soon as the caller is
/// answered. A `Task.sleep` that is cancelled keeps its memory until its deadline
/// (swiftlang/swift#60441): with one sleeping for the limit beside every statement, a busy service
/// held a few hundred bytes a statement of the last `limit` (10 s), tens of MiB.
func withDeadline<Result: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
    let answer = FirstAnswer<Result>()
    let work = answer.startWork(body)
    let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(limit)) {
        // Given before the cancellation, which `body` may answer at once with an error of its own.
        answer.give(.failure(DatabaseUnavailable(reason: "no answer within \(limit)")))
        work.cancel()
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler { try await answer.value } onCancel: { work.cancel() }
}

/// Runs `body`, or throws `CancellationError` as soon as the caller is cancelled: then `body` is
/// cancelled too, and the caller answered at once whether `body` heeds it or not. For work with no time
/// limit of its own that a stop must still end, as a migration (postgres-nio's statements do not heed
/// cancellation: a stop during a long one waited for it to end). What `body` does after is dropped.
func untilCancelled<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
    let answer = FirstAnswer<Result>()
    let work = answer.startWork(body)
    return try await withTaskCancellationHandler { try await answer.value } onCancel: {
        answer.give(.failure(CancellationError()))
        work.cancel()
    }
}

/// The first of the answers given to a caller (the work's outcome, a time limit's); the later ones are
/// dropped. One caller waits for it at a time.
final class FirstAnswer<Value: Sendable>: Sendable {
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var answer: Result<Value, any Error>?
        var waiting: CheckedContinuation<Value, any Error>?
    }

    /// Runs `body` on a task of its own, whose outcome is given as an answer; the task, to cancel it.
    func startWork(_ body: @escaping @Sendable () async throws -> Value) -> Task<Void, Never> {
        Task {
            do {
                give(.success(try await body()))
            } catch {
                give(.failure(error))
            }
        }
    }

    /// Gives `outcome` to the caller, unless an answer was given before.
    func give(_ outcome: Result<Value, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.answer == nil else { return nil }
            state.answer = outcome
            return state.waiting.take()
        }
        waiting?.resume(with: outcome)
    }

    /// The first answer given, once there is one.
    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let answer = state.withLock { state -> Result<Value, any Error>? in
                    if state.answer == nil { state.waiting = continuation }
                    return state.answer
                }
                if let answer { continuation.resume(with: answer) }
            }
        }
    }
}
