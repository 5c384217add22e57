import Foundation
import Synchronization
import Testing

@testable import DatabaseKit

/// `withDeadline`, the time limit around every PostgreSQL access: a result in time, `DatabaseUnavailable`
/// past it (the work cancelled), anything else as it was. "In time" is a limit of minutes: the whole
/// suite runs at once on two cores, and a task has waited 8 s there before it started.
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
        let sawCancellation = Flag()
        await #expect(throws: DatabaseUnavailable.self) {
            try await withDeadline(.milliseconds(50)) {
                do {
                    try await Task.sleep(for: .seconds(120))
                } catch is CancellationError {
                    sawCancellation.set()
                    throw CancellationError()
                }
                return 1
            }
        }
        #expect(sawCancellation.isSet)
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
