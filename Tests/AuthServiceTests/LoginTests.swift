import Foundation
import GRDB
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

@Suite struct LoginTests {
    @Test func aLoginAnswersAnES256AccessTokenWithTheContractClaims() async throws {
        let harness = AuthTestHarness()
        try await harness.test { client in
            let (tenant, admin) = try await client.signUp("claims")
            let response = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "claims", "email": "admin@claims.test", "password": "admin-password"]))
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let tokens = try response.decode(TokenResponse.self)
            #expect(tokens.tokenType == "Bearer")
            #expect(tokens.expiresIn == 900)
            #expect(Base64URL.decode(tokens.refreshToken)?.count == 32, "256 random bits")

            let parts = tokens.accessToken.split(separator: ".")
            let header = try JSONSerialization.jsonObject(with: Base64URL.decode(parts[0])!) as! [String: Any]
            #expect(header["alg"] as? String == "ES256")
            #expect(header["kid"] is String)
            let claims = try JSONSerialization.jsonObject(with: Base64URL.decode(parts[1])!) as! [String: Any]
            #expect(Set(claims.keys) == ["iss", "aud", "sub", "tid", "tslug", "role", "typ", "jti", "iat", "nbf", "exp"])
            #expect(claims["iss"] as? String == "http://auth.test")
            #expect(claims["aud"] as? String == "saas-api" || (claims["aud"] as? [String]) == ["saas-api"])
            #expect(claims["sub"] as? String == admin.id)
            #expect(claims["tid"] as? String == tenant.id)
            #expect(claims["tslug"] as? String == "claims")
            #expect(claims["role"] as? String == "admin")
            #expect(claims["typ"] as? String == "access")
            let issuedAt = try #require(claims["iat"] as? Int)
            #expect(claims["nbf"] as? Int == issuedAt)
            #expect(claims["exp"] as? Int == issuedAt + 900)
        }
    }

    @Test func loginIsRateLimitedPerAccountWithRetryAfter() async throws {
        let harness = AuthTestHarness { $0.loginRateLimit = 3 }
        try await harness.test { client in
            try await client.signUp("limited")
            // Sign-up took one attempt from this (unknown, in-process) client address's sign-up bucket only.
            for _ in 0..<3 {
                let response = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "limited", "email": "admin@limited.test", "password": "wrong-password"]))
                #expect(response.status == .unauthorized)
            }
            let limited = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "limited", "email": "admin@limited.test", "password": "admin-password"]))
            #expect(limited.status == .tooManyRequests)
            #expect(limited.error?.code == .rateLimited)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...20).contains(retryAfter), "3 a minute refill one every 20 s")

            // Time passes: the bucket refills and the right password works again.
            harness.clock.advance(by: Double(retryAfter))
            _ = try await client.login("limited", "admin@limited.test", "admin-password")
        }
    }

    @Test func loginIsRateLimitedPerClientAddressBehindATrustedProxy() async throws {
        let harness = AuthTestHarness.behindLoopbackProxy(rateLimit: 2)
        try await harness.testLive { client, _ in
            try await client.signUp("proxied")
            func attempt(_ email: String, from address: String) async throws -> TestResponse {
                try await client.send(
                    .post, "/v1/auth/login", body: json(["tenant": "proxied", "email": email, "password": "wrong-password"]),
                    headers: [.xForwardedFor: address])
            }
            // Two accounts from one address: the address runs out.
            #expect(try await attempt("one@proxied.test", from: "203.0.113.7").status == .unauthorized)
            #expect(try await attempt("two@proxied.test", from: "203.0.113.7").status == .unauthorized)
            #expect(try await attempt("three@proxied.test", from: "203.0.113.7").status == .tooManyRequests)
            // Another client address behind the same proxy is not held back.
            #expect(try await attempt("four@proxied.test", from: "198.51.100.9").status == .unauthorized)
        }
    }

    @Test func signUpIsRateLimitedToo() async throws {
        let harness = AuthTestHarness { $0.loginRateLimit = 2 }
        try await harness.test { client in
            try await client.signUp("first-one")
            try await client.signUp("second-one")
            let response = try await client.send(.post, "/v1/tenants", body: json([
                "slug": "third-one", "name": "T", "admin": ["email": "a@third.test", "password": "long-enough", "name": "A"],
            ]))
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] != nil)
        }
    }

    @Test func anOutdatedHashIsReplacedAtTheNextLogin() async throws {
        var harness = AuthTestHarness()
        try await harness.test { client in _ = try await client.signUp("rehash") }
        harness.configuration.passwordHashing = Argon2Parameters(memoryKiB: 2048, iterations: 2, parallelism: 1)
        try await harness.test { client in
            _ = try await client.login("rehash", "admin@rehash.test", "admin-password")
            _ = try await client.login("rehash", "admin@rehash.test", "admin-password")
        }
        let database = try openSQLiteDatabase(path: harness.databasePath)
        let stored = try await database.read { db in try String.fetchOne(db, sql: "SELECT password_hash FROM users") }
        #expect(stored?.hasPrefix("$argon2id$v=19$m=2048,t=2,p=1$") == true)
    }
}
