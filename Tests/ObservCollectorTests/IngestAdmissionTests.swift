import Synchronization
import Testing

@testable import ObservCollector

/// Spins until `condition` holds, each step letting the other tasks run; a failure after 10 s (a gate
/// that never lets a request in, or never holds one back), not a hang.
private func spin(until condition: () -> Bool, sourceLocation: SourceLocation) async {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("never came to pass", sourceLocation: sourceLocation)
            return
        }
        await Task.yield()
    }
}

/// A request held inside its admission until the test lets it go (at once, if let go before).
private final class HeldRequest: Sendable {
    private struct State {
        var admitted = false
        var letGo = false
        var release: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    var admitted: Bool { state.withLock { $0.admitted } }

    func hold() async {
        await withCheckedContinuation { continuation in
            let goOn = state.withLock { state in
                state.admitted = true
                if !state.letGo { state.release = continuation }
                return state.letGo
            }
            if goOn { continuation.resume() }
        }
    }

    func letGo() {
        let release = state.withLock { state in
            state.letGo = true
            defer { state.release = nil }
            return state.release
        }
        release?.resume()
    }
}

/// The order in which requests were admitted.
private final class AdmissionOrder: Sendable {
    private let admitted = Mutex<[Int]>([])
    var indices: [Int] { admitted.withLock { $0 } }
    func record(_ index: Int) { admitted.withLock { $0.append(index) } }
}

@Suite struct IngestAdmissionTests {
    func until(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
        await spin(until: condition, sourceLocation: sourceLocation)
    }

    @Test func bodiesBeyondTheBudgetWaitAndAreAdmittedInTheirOrder() async throws {
        let admission = IngestAdmission(budget: 100)
        let requests = (0..<4).map { _ in HeldRequest() }
        let order = AdmissionOrder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask {
                    try await admission.admitted(bytes: 60) { _ in
                        order.record(index)
                        await request.hold()
                    }
                }
                // Each joins the line before the next arrives.
                await until { requests[index].admitted || admission.waitingRequests == index }
            }
            await until { admission.waitingRequests == 3 }
            #expect(admission.admittedBytes == 60, "a second body of 60 does not fit beside the first in 100")
            requests[0].letGo()
            await until { requests[1].admitted }
            #expect(admission.waitingRequests == 2)
            requests[1].letGo()
            await until { requests[2].admitted }
            requests[2].letGo()
            await until { requests[3].admitted }
            requests[3].letGo()
            try await group.waitForAll()
        }
        #expect(order.indices == [0, 1, 2, 3])
        #expect(admission.admittedBytes == 0, "every body's bytes given back")
    }

    @Test func smallBodiesShareTheBudgetAndALargerOneGoesAlone() async throws {
        let admission = IngestAdmission(budget: 100)
        let small = (0..<2).map { _ in HeldRequest() }
        let large = HeldRequest()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in small {
                group.addTask { try await admission.admitted(bytes: 50) { _ in await request.hold() } }
            }
            await until { small.allSatisfy(\.admitted) }
            group.addTask {
                try await admission.admitted(bytes: 10_000) { counted in
                    #expect(counted == 100, "a body larger than the budget counts as the budget")
                    await large.hold()
                }
            }
            await until { admission.waitingRequests == 1 }
            small[0].letGo()
            await until { admission.admittedBytes == 50 }
            #expect(!large.admitted, "it waits for the whole budget")
            // A small body that would fit now waits behind the large one: no request is overtaken for ever.
            let latecomer = HeldRequest()
            group.addTask { try await admission.admitted(bytes: 50) { _ in await latecomer.hold() } }
            await until { admission.waitingRequests == 2 }
            #expect(!latecomer.admitted)
            small[1].letGo()
            await until { large.admitted }
            #expect(admission.admittedBytes == 100, "a body larger than the budget counts as the budget")
            large.letGo()
            await until { latecomer.admitted }
            latecomer.letGo()
            try await group.waitForAll()
        }
        #expect(admission.admittedBytes == 0)
    }

    /// A length the sender stated is bounded before it is added up: none counts as nothing or as less.
    @Test(arguments: [-5, 0, Int.min, Int.max])
    func aStatedLengthIsCountedWithinOneAndTheBudget(bytes: Int) async throws {
        let admission = IngestAdmission(budget: 100)
        let counted = try await admission.admitted(bytes: bytes) { counted in counted }
        #expect(counted == (bytes > 0 ? 100 : 1))
        #expect(admission.admittedBytes == 0)
    }

    @Test func aRequestCancelledWhileWaitingLeavesTheLine() async throws {
        let admission = IngestAdmission(budget: 100)
        let first = HeldRequest()
        let third = HeldRequest()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await admission.admitted(bytes: 100) { _ in await first.hold() } }
            await until { first.admitted }
            let second = Task { try await admission.admitted(bytes: 100) { _ in Issue.record("a cancelled request ran") } }
            await until { admission.waitingRequests == 1 }
            group.addTask { try await admission.admitted(bytes: 100) { _ in await third.hold() } }
            await until { admission.waitingRequests == 2 }
            second.cancel()
            await #expect(throws: CancellationError.self) { try await second.value }
            #expect(admission.waitingRequests == 1)
            first.letGo()
            await until { third.admitted }
            third.letGo()
            try await group.waitForAll()
        }
        #expect(admission.admittedBytes == 0)
    }
}
