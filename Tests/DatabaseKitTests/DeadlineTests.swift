import Foundation
import Synchronization
import Testing

@testable import DatabaseKit

/// `withDeadline`, the time limit around every PostgreSQL access: a result in time, `DatabaseUnavailable`
/// past it (the work cancelled, the caller answered whether the work heeds it or not), anything else as
/// it was. "In time" is a limit of minutes: the whole suite runs at once on two cores, and a task has
/// waited 8 s there before it started.
@Suite struct DeadlineTests {
    struct Refused: Error, Equatable {}

    final class Flag: Sendable {
        private let value = Atomic(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    @Test func anAnswerInTimeIsReturned() async throws {
        #expect(try await withDeadline(.seconds(300)) { 42 } == 42)
    }

    @Test(.timeLimit(.minutes(1)))
    func workPastTheLimitIsCancelledAndTheDatabaseUnavailable() async throws {
        // Whether the work saw its cancellation: it may come after the caller's answer.
        let sawCancellation = FirstAnswer<Bool>()
        await #expect(throws: DatabaseUnavailable.self) {
            try await withDeadline(.milliseconds(50)) {
                do {
                    try await Task.sleep(for: .seconds(45))
                } catch is CancellationError {
                    sawCancellation.give(.success(true))
                    throw CancellationError()
                }
                sawCancellation.give(.success(false))
                return 1
            }
        }
        #expect(try await sawCancellation.value)
    }

    /// Work that does not heed its cancellation (a statement sent to a server that stopped answering)
    /// does not keep its caller: the caller is answered at the limit, while the work still runs.
    @Test(.timeLimit(.minutes(2)))
    func workThatIgnoresItsCancellationDoesNotKeepTheCaller() async throws {
        let gate = FirstAnswer<Void>()
        // Opened once the caller is answered; after 60 s at the latest, so that a caller kept waiting
        // fails the test instead of hanging it.
        let fallback = Task {
            try? await Task.sleep(for: .seconds(60))
            gate.give(.success(()))
        }
        defer {
            gate.give(.success(()))
            fallback.cancel()
        }
        let finished = Flag()
        await #expect(throws: DatabaseUnavailable.self) {
            try await withDeadline(.milliseconds(50)) {
                try await gate.value
                finished.set()
                return 1
            }
        }
        #expect(!finished.isSet, "the caller waited for the work to end")
    }

    /// `FirstAnswer`, which both race through: the first answer is the answer, before or after the caller
    /// waits for it, and it stays the answer.
    @Test func theFirstAnswerGivenIsTheOneReadAndStays() async throws {
        let waitedFor = FirstAnswer<Int>()
        async let read = waitedFor.value
        waitedFor.give(.success(1))
        waitedFor.give(.failure(Refused()))
        #expect(try await read == 1)
        #expect(try await waitedFor.value == 1)

        let early = FirstAnswer<Int>()
        early.give(.failure(Refused()))
        early.give(.success(2))
        await #expect(throws: Refused()) { try await early.value }
        await #expect(throws: Refused()) { try await early.value }
    }

    @Test func theWorksOwnErrorIsThrownAsItWas() async throws {
        await #expect(throws: Refused()) {
            try await withDeadline(.seconds(300)) { () async throws -> Int in throw Refused() }
        }
    }

    /// A request that is cancelled (its client gone) cancels its statement, and that is no outage.
    @Test(.timeLimit(.minutes(1)))
    func theCallersCancellationReachesTheWork() async throws {
        let started = Flag()
        let caller = Task {
            try await withDeadline(.seconds(300)) {
                started.set()
                try await Task.sleep(for: .seconds(120))
                return 1
            }
        }
        while !started.isSet { await Task.yield() }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
    }
}
