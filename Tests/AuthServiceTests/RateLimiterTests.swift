import Foundation
import ServiceTestSupport
import Testing

@testable import AuthService

@Suite struct RateLimiterTests {
    @Test func aKeyGetsItsLimitThenWaitsForTheRefill() {
        let clock = TestClock()
        let limiter = RateLimiter(perMinute: 6, now: clock.closure)
        for _ in 0..<6 { #expect(limiter.attempt(["k"]) == nil) }
        #expect(limiter.attempt(["k"]) == 10, "6 a minute: one back every 10 s")
        clock.advance(by: 10)
        #expect(limiter.attempt(["k"]) == nil)
        #expect(limiter.attempt(["k"]) != nil)
    }

    @Test func aRefusedAttemptTakesNothingFromTheOtherKeys() {
        let limiter = RateLimiter(perMinute: 1, now: TestClock().closure)
        #expect(limiter.attempt(["address", "account-a"]) == nil)
        #expect(limiter.attempt(["address", "account-b"]) != nil, "the address is spent")
        #expect(limiter.attempt(["other-address", "account-b"]) == nil, "account-b was not charged by the refusal")
    }
}
