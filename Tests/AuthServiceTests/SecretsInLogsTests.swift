import Foundation
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing

@testable import AuthService

@Suite struct SecretsInLogsTests {
    /// Every log line of a full sign-up, login, refresh, reuse, password change and logout flow, at
    /// trace level: no password, hash or token appears in any of them.
    @Test func noPasswordHashOrTokenIsEverLogged() async throws {
        let harness = AuthTestHarness()
        let secrets = try await harness.test { client in
            let adminPassword = "admin-password"
            let (_, _, admin) = try await client.adminSession("secrets")
            let (user, member) = try await client.member("secrets", adminToken: admin.accessToken, email: "m@secrets.test", password: "member-secret-1")
            let refreshed = try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": member.refreshToken])).decode(TokenResponse.self)
            _ = try await client.send(.post, "/v1/auth/refresh", body: json(["refresh_token": member.refreshToken]))  // reuse, logged as a warning
            _ = try await client.send(.patch, "/v1/users/\(user.id)", token: refreshed.accessToken, body: json([
                "password": "member-secret-2", "current_password": "member-secret-1",
            ]))
            _ = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "secrets", "email": "m@secrets.test", "password": "wrong-secret-3"]))
            _ = try await client.send(.get, "/v1/auth/me", token: "garbage.\(admin.accessToken.suffix(20))")
            _ = try await client.send(.post, "/v1/auth/logout", body: json(["refresh_token": admin.refreshToken]))
            return [
                adminPassword, "member-secret-1", "member-secret-2", "wrong-secret-3",
                admin.accessToken, admin.refreshToken, member.accessToken, member.refreshToken,
                refreshed.accessToken, refreshed.refreshToken, String(admin.accessToken.suffix(20)),
            ]
        }
        let lines = harness.logs.lines
        #expect(lines.count > 20, "the flow was logged")
        for line in lines {
            for secret in secrets {
                #expect(!line.contains(secret), "a secret in: \(line)")
            }
            #expect(!line.contains("$argon2id$"), "a password hash in: \(line)")
        }
    }
}
