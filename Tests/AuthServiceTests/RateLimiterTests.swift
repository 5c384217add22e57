import Foundation
import ServiceTestSupport
import Testing

@testable import AuthService

/// The attempt limits on each store: in the process for SQLite, in the database for PostgreSQL.
@Suite struct RateLimiterTests {
    @Test(arguments: StoreKind.available)
    func aKeyGetsItsLimitThenWaitsForTheRefill(kind: StoreKind) async throws {
        try await withAuthStore(kind) { (store: any AuthStore) async throws in
            let clock = TestClock()
            let limiter = store.attemptLimiter(perMinute: 6, capacity: 100, now: clock.closure)
            for _ in 0..<6 { #expect(try await limiter.attempt(["k"]) == nil) }
            #expect(try await limiter.attempt(["k"]) == 10, "6 a minute: one back every 10 s")
            clock.advance(by: 10)
            #expect(try await limiter.attempt(["k"]) == nil)
            #expect(try await limiter.attempt(["k"]) != nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func aRefusedAttemptTakesNothingFromTheOtherKeys(kind: StoreKind) async throws {
        try await withAuthStore(kind) { (store: any AuthStore) async throws in
            let limiter = store.attemptLimiter(perMinute: 1, capacity: 100, now: TestClock().closure)
            #expect(try await limiter.attempt(["address", "account-a"]) == nil)
            #expect(try await limiter.attempt(["address", "account-b"]) != nil, "the address is spent")
            #expect(try await limiter.attempt(["other-address", "account-b"]) == nil, "account-b was not charged by the refusal")
        }
    }

    /// Two replicas on one PostgreSQL, attempting at once: together they allow the limit, not twice it.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func replicasShareOneLimit(kind: StoreKind) async throws {
        try await withAuthStore(kind) { (store: any AuthStore) async throws in
            let clock = TestClock()
            let replicas = [
                store.attemptLimiter(perMinute: 10, capacity: 100, now: clock.closure),
                store.attemptLimiter(perMinute: 10, capacity: 100, now: clock.closure),
            ]
            let allowed = try await withThrowingTaskGroup(of: Int.self) { group in
                for attempt in 0..<40 {
                    group.addTask {
                        try await replicas[attempt % 2].attempt(["login:address:203.0.113.7", "login:account:acme/\(attempt % 3)"]) == nil ? 1 : 0
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(allowed == 10)
            // Filled up again a minute later: the housekeeping forgets the rows.
            clock.advance(by: 61)
            #expect(try await replicas[0].forgetRefilled() == 4)
            #expect(try await replicas[1].attempt(["login:address:203.0.113.7"]) == nil)
        }
    }

    @Test func aKeyIsKeptAsThirtyTwoHexDigits() {
        let hex = RateLimiter.Key("login:address:203.0.113.7").hex
        #expect(hex.count == 32)
        #expect(hex.allSatisfy { $0.isHexDigit })
        #expect(hex != RateLimiter.Key("login:address:203.0.113.8").hex)
    }
}
