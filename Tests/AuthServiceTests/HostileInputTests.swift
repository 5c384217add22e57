import Foundation
import Hummingbird
import NIOPosix
import Synchronization
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// What an attacker sends to the auth service, and how it is refused (CONTRACT.md, "Limits and hostile
/// input"; the hardening issue's findings 1, 2 and 8).
@Suite struct HostileInputTests {
    /// Finding 1: a NUL after a real email (or tenant) reached the real account, and made a fresh
    /// rate-limit bucket for every suffix.
    @Test func aNULInTheLoginNamesNoAccount() async throws {
        let harness = AuthTestHarness()
        try await harness.test { client in
            try await client.signUp("nul")
            let attempts: [([String: String], String)] = [
                (["tenant": "nul", "email": "admin@nul.test\u{0}anything", "password": "admin-password"], "email"),
                (["tenant": "nul\u{0}x", "email": "admin@nul.test", "password": "admin-password"], "tenant"),
                (["tenant": "nul", "email": "admin@nul.test", "password": "admin-password\u{0}"], "password"),
                (["tenant": "nul", "email": "admin@nul.test\r\nX-Injected: 1", "password": "admin-password"], "email"),
            ]
            for (body, field) in attempts {
                let response = try await client.send(.post, "/v1/auth/login", body: json(body))
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.error?.code == .validationFailed)
                #expect(response.error?.details?.map(\.field) == [field])
                #expect(!response.text.contains("access_token"))
            }
        }
    }

    /// Finding 1: the per-account bucket counts the account, however its email is spelt.
    @Test func thePerAccountBucketIsTheAccountWhateverTheSpelling() async throws {
        let harness = AuthTestHarness.behindLoopbackProxy(rateLimit: 2)
        try await harness.testLive { client, _ in
            try await client.signUp("spelling")
            let spellings = ["admin@spelling.test", "ADMIN@spelling.test", "Admin@Spelling.Test"]
            var statuses: [HTTPResponse.Status] = []
            for (index, email) in spellings.enumerated() {
                let response = try await client.send(
                    .post, "/v1/auth/login", body: json(["tenant": "Spelling", "email": email, "password": "wrong-password"]),
                    headers: [.xForwardedFor: "203.0.113.\(index + 1)"])  // a fresh address each time
                statuses.append(response.status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
        }
    }

    /// Every stored text refuses NUL and control characters with a 400 naming the field.
    @Test func storedTextsRefuseControlCharacters() async throws {
        let harness = AuthTestHarness()
        try await harness.test { client in
            let (_, _, tokens) = try await client.adminSession("controls")
            let signUp = try await client.send(.post, "/v1/tenants", body: json([
                "slug": "other", "name": "Evil\nTenant", "admin": ["email": "a@other.test", "password": "long\u{0}enough", "name": "A"],
            ]))
            #expect(signUp.status == .badRequest)
            #expect(Set(signUp.error?.details?.map(\.field) ?? []) == ["name", "admin.password"])
            let create = try await client.send(.post, "/v1/users", token: tokens.accessToken, body: json([
                "email": "b@controls.test", "password": "long-enough", "name": "Bob\u{7}",
            ]))
            #expect(create.error?.details?.map(\.field) == ["name"])
            let register = try await client.send(.post, "/v1/auth/register", body: json([
                "tenant": "controls", "email": "c\u{0}@controls.test", "password": "long-enough", "name": "C",
            ]))
            #expect(register.error?.details?.map(\.field) == ["email"])
        }
    }

    /// Finding 2: registration costs a hash, so it is limited per client address and per tenant.
    @Test func registrationIsRateLimitedPerTenantAndPerAddress() async throws {
        let harness = AuthTestHarness.behindLoopbackProxy(rateLimit: 2)
        try await harness.testLive { client, _ in
            try await client.signUp("reg-a")
            try await client.signUp("reg-b", adminEmail: "admin@reg-b.test")
            func register(_ tenant: String, _ email: String, from address: String) async throws -> TestResponse {
                try await client.send(
                    .post, "/v1/auth/register",
                    body: json(["tenant": tenant, "email": email, "password": "long-enough", "name": "N"]),
                    headers: [.xForwardedFor: address])
            }
            // One tenant, many addresses: the tenant runs out; a taken email counts too.
            #expect(try await register("reg-a", "one@reg-a.test", from: "203.0.113.1").status == .created)
            #expect(try await register("reg-a", "one@reg-a.test", from: "203.0.113.2").status == .conflict)
            let limited = try await register("reg-a", "three@reg-a.test", from: "203.0.113.3")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 } == true)
            // One address, other tenants: the address runs out.
            #expect(try await register("reg-b", "x@reg-b.test", from: "198.51.100.1").status == .created)
            #expect(try await register("reg-b", "y@reg-b.test", from: "198.51.100.1").status == .created)
            #expect(try await register("no-such", "z@reg-b.test", from: "198.51.100.1").status == .tooManyRequests)
        }
    }

    /// Finding 2: a stolen access token cannot brute-force the password through a password change.
    @Test func passwordChangesAreRateLimitedPerUser() async throws {
        let harness = AuthTestHarness { $0.loginRateLimit = 2 }
        try await harness.test { client in
            let (_, admin, tokens) = try await client.adminSession("pwd")
            func change(current: String) async throws -> TestResponse {
                try await client.send(.patch, "/v1/users/\(admin.id)", token: tokens.accessToken, body: json([
                    "password": "new-password-1", "current_password": current,
                ]))
            }
            #expect(try await change(current: "guess-one").status == .badRequest)
            #expect(try await change(current: "guess-two").status == .badRequest)
            let limited = try await change(current: "admin-password")
            #expect(limited.status == .tooManyRequests, "the right one too, once the user's bucket is empty")
            #expect(limited.headers[.retryAfter] != nil)
            harness.clock.advance(by: 60)
            #expect(try await change(current: "admin-password").status == .ok)
        }
    }

    /// Finding 2: when hashing is saturated, hashing routes answer 503 with `Retry-After` at once.
    @Test func aSaturatedHasherAnswers503() async throws {
        var harness = AuthTestHarness()
        try await harness.test { client in _ = try await client.signUp("busy") }
        harness.configuration.passwordHashQueueLimit = 0
        try await harness.test { client in
            let login = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "busy", "email": "admin@busy.test", "password": "admin-password"]))
            #expect(login.status == .serviceUnavailable)
            #expect(login.error?.code == .unavailable)
            #expect(login.headers[.retryAfter] == "1")
            let register = try await client.send(.post, "/v1/auth/register", body: json([
                "tenant": "busy", "email": "new@busy.test", "password": "long-enough", "name": "N",
            ]))
            #expect(register.status == .serviceUnavailable)
        }
    }

    /// The hasher's queue bound itself: the limit-th waiting hash is let in, the next is refused.
    @Test func theHashingQueueIsBounded() async throws {
        let hasher = PasswordHasher(parameters: AuthTestHarness.fastHashing, queueLimit: 2)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 { group.addTask { (try? await hasher.hash("password-1")) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.contains(true))
        #expect(results.contains(false), "40 at once against a queue of 2")
        #expect(hasher.pending == 0, "every admitted hash leaves the queue")
    }

    /// Finding 8: the limiter keeps a bounded number of fixed-size buckets, and an emptied bucket (one
    /// that is holding an attacker back) outlives a flood of new keys.
    @Test func theLimiterIsBoundedAndKeepsWhatItIsHoldingBack() {
        let limiter = RateLimiter(perMinute: 2, capacity: 100)
        #expect(limiter.attempt(["victim"]) == nil)
        #expect(limiter.attempt(["victim"]) == nil)
        #expect(limiter.attempt(["victim"]) != nil)
        for index in 0..<10_000 { _ = limiter.attempt(["address-\(index)", String(repeating: "x", count: index % 50)]) }
        #expect(limiter.count <= 100)
        #expect(limiter.attempt(["victim"]) != nil, "still limited")
    }

    /// Finding 7: the service closes a connection whose request head never ends (slowloris).
    @Test func theServiceClosesAHeadThatNeverEnds() async throws {
        let harness = AuthTestHarness { $0.service.connectionLimits = ConnectionLimits(requestHeadTimeout: .milliseconds(200)) }
        try await harness.testLive { _, base in
            let connection = try RawConnection(port: base.port!)
            try connection.send("POST /v1/auth/login HTTP/1.1\r\nHost: auth\r\n")
            var closed = false
            for _ in 0..<200 where !closed {
                try await Task.sleep(for: .milliseconds(50))
                closed = (try? connection.send("X")) == nil
            }
            #expect(closed)
        }
    }

    /// Finding 11: the signing-key file is created private, and a file others can read stops the start.
    @Test func aSigningKeyFileOthersCanReadStopsTheStart() async throws {
        let harness = AuthTestHarness()
        try await harness.test { _ in }
        let path = harness.configuration.signingKeyFile
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(chmod(path, 0o644) == 0)
        await #expect(throws: ConfigurationError.self) { try await harness.makeApplication() }
        do {
            _ = try await harness.makeApplication()
        } catch let error as ConfigurationError {
            #expect(error.variable == "JWT_SIGNING_KEY_FILE")
            #expect("\(error)".contains("chmod 600"))
        }
        #expect(chmod(path, 0o600) == 0)
        _ = try await harness.makeApplication()
    }

    /// Finding 4: the user list's `q` is bounded in length.
    @Test func theUserSearchTermIsBounded() async throws {
        let harness = AuthTestHarness()
        try await harness.test { client in
            let (_, _, tokens) = try await client.adminSession("search")
            let long = String(repeating: "a", count: 201)
            let response = try await client.send(.get, "/v1/users?q=\(long)", token: tokens.accessToken)
            #expect(response.status == .badRequest)
            #expect(response.error?.details?.map(\.field) == ["q"])
            let fine = try await client.send(.get, "/v1/users?q=\(String(repeating: "a", count: 200))", token: tokens.accessToken)
            #expect(fine.status == .ok)
        }
    }
}

/// Finding 10: a login checks the password against the user as read before Argon2 runs; a cut-off made
/// meanwhile must leave it with nothing that outlives the cut-off.
@Suite struct CutOffRaceTests {
    /// Holds a one-thread hashing pool until `release()`, so that a login's hash waits, after its user
    /// was read, while the test makes a cut-off.
    final class HeldPool: Sendable {
        let pool = NIOThreadPool(numberOfThreads: 1)
        private let isOpen = Flag()

        final class Flag: Sendable {
            let value = Atomic<Bool>(false)
        }

        init() {
            pool.start()
            let isOpen = isOpen
            pool.submit { _ in
                while !isOpen.value.load(ordering: .acquiring) { usleep(1_000) }
            }
        }

        func release() { isOpen.value.store(true, ordering: .releasing) }
    }

    @Test(arguments: ["deactivate", "role", "logout-all"])
    func aCutOffDuringALoginLeavesItNothing(_ cutOff: String) async throws {
        var harness = AuthTestHarness()
        let (admin, member, memberToken) = try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("race")
            let (member, tokens) = try await client.member("race", adminToken: admin.accessToken, email: "m@race.test")
            return (admin.accessToken, member.id, tokens.accessToken)
        }
        let held = HeldPool()
        defer { held.release() }
        harness.configuration.passwordHashingPool = held.pool
        try await harness.test { client in
            async let racingLogin = client.send(
                .post, "/v1/auth/login", body: json(["tenant": "race", "email": "m@race.test", "password": "member-password"]))
            // Its hash is queued: the user was read, with the password still right and the user active.
            for _ in 0..<1_000 {
                let metrics = try await client.send(.get, "/metrics").text
                if prometheusValue("auth_password_hashes_pending", in: metrics) == 1 { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            let cut: TestResponse
            switch cutOff {
            case "deactivate": cut = try await client.send(.delete, "/v1/users/\(member)", token: admin)
            case "role": cut = try await client.send(.patch, "/v1/users/\(member)", token: admin, body: json(["role": "moderator"]))
            default: cut = try await client.send(.post, "/v1/auth/logout-all", token: memberToken)
            }
            #expect(cut.status.code < 300, "\(cut.text)")
            held.release()
            let login = try await racingLogin
            #expect(login.status == .unauthorized, "a login that read the user before the cut-off: \(login.text)")
            #expect(login.error?.message == SessionService.loginRefused.message)
        }
    }
}
