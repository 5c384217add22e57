import Foundation
import GRDB
import Testing

/// The audit trail through the real binaries: every security-relevant action of the auth service is
/// shipped as an `audit` event with who did it, to whom, from where and how it ended; the collector
/// serves it to the tenant's admins only, filtered as asked; and no password, token or hash is in any
/// event the collector stored.
@Suite struct AuditTrailTests {
    static let userAgent = "audit-test/1.0"
    static let password = "correct-horse-battery"

    /// An admin's or a user's call, with the test's user agent.
    static func send(_ method: String, _ url: String, token: String? = nil, json: Any? = nil) async throws -> Answer {
        try #require(await call(method, url, token: token, json: json, headers: ["User-Agent": userAgent]), "\(method) \(url)")
    }

    @Test(.timeLimit(.minutes(2)))
    func everySecurityActionIsAuditedForTheTenantsAdminsOnlyAndHoldsNoSecret() async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()  // REFRESH_REUSE_GRACE is 0: a refresh token spent twice is a reuse
            let auth = stack.auth
            var secrets: [String] = [Self.password, "second-horse-battery", "third-horse-battery"]

            // tenant.created, login.succeeded
            let signUp = try await Self.send("POST", auth + "/v1/tenants", json: [
                "slug": "audited", "name": "Audited", "admin": ["email": "admin@audited.test", "password": Self.password, "name": "Admin"],
            ])
            #expect(signUp.status == 201)
            let tenant = try #require((signUp.json()["tenant"] as? [String: Any])?["id"] as? String)
            let admin = try #require((signUp.json()["user"] as? [String: Any])?["id"] as? String)
            let login = try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "audited", "email": "admin@audited.test", "password": Self.password])
            let adminToken = try #require(login.json()["access_token"] as? String)
            secrets += [adminToken, try #require(login.json()["refresh_token"] as? String)]

            // login.failed twice; an unknown tenant is counted in metrics only.
            for (email, password) in [("admin@audited.test", "wrong-horse-battery"), ("nobody@audited.test", Self.password)] {
                #expect(try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "audited", "email": email, "password": password]).status == 401)
            }
            #expect(try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "no-such-tenant", "email": "a@b.test", "password": Self.password]).status == 401)

            // user.registered; user.created; user.role_changed, user.deactivated, user.reactivated (PATCH), user.deactivated (DELETE)
            let registered = try await Self.send("POST", auth + "/v1/auth/register", json: [
                "tenant": "audited", "email": "reader@audited.test", "password": Self.password, "name": "Reader",
            ])
            let reader = try #require(registered.json()["id"] as? String)
            let created = try await Self.send("POST", auth + "/v1/users", token: adminToken, json: [
                "email": "editor@audited.test", "password": "second-horse-battery", "name": "Editor", "role": "user",
            ])
            let editor = try #require(created.json()["id"] as? String)
            for change in [["role": "moderator"], ["is_active": false], ["is_active": true]] as [[String: Any]] {
                #expect(try await Self.send("PATCH", auth + "/v1/users/\(editor)", token: adminToken, json: change).status == 200, "\(change)")
            }
            #expect(try await Self.send("DELETE", auth + "/v1/users/\(editor)", token: adminToken).status == 204)

            // The reader: login.succeeded, user.password_changed, refresh then refresh_token.reused, logout, logout.everywhere
            let readerLogin = try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "audited", "email": "reader@audited.test", "password": Self.password])
            let readerToken = try #require(readerLogin.json()["access_token"] as? String)
            let firstRefresh = try #require(readerLogin.json()["refresh_token"] as? String)
            secrets += [readerToken, firstRefresh]
            #expect(try await Self.send("PATCH", auth + "/v1/users/\(reader)", token: readerToken, json: [
                "password": "third-horse-battery", "current_password": Self.password,
            ]).status == 200)
            let again = try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "audited", "email": "reader@audited.test", "password": "third-horse-battery"])
            let refresh = try #require(again.json()["refresh_token"] as? String)
            let rotated = try await Self.send("POST", auth + "/v1/auth/refresh", json: ["refresh_token": refresh])
            let next = try #require(rotated.json()["refresh_token"] as? String)
            secrets += [refresh, next, try #require(rotated.json()["access_token"] as? String)]
            #expect(try await Self.send("POST", auth + "/v1/auth/refresh", json: ["refresh_token": refresh]).status == 401, "a reuse")
            let last = try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "audited", "email": "reader@audited.test", "password": "third-horse-battery"])
            let lastToken = try #require(last.json()["access_token"] as? String)
            let lastRefresh = try #require(last.json()["refresh_token"] as? String)
            secrets += [lastToken, lastRefresh]
            #expect(try await Self.send("POST", auth + "/v1/auth/logout", json: ["refresh_token": lastRefresh]).status == 204)
            #expect(try await Self.send("POST", auth + "/v1/auth/logout-all", token: lastToken).status == 204)

            // signing_key.rotated, by the operator's command: an event of no tenant.
            let rotation = try ServiceProcess("auth-service", environment: stack.environment("auth-service"), arguments: ["rotate-signing-key"])
            #expect(await rotation.waitForExit(within: 20) == 0)
            #expect(rotation.capturedOutput.contains("Reported to the collector's audit trail"), "\(rotation.capturedOutput)")

            let expected: [(action: String, outcome: String, actor: String?, subject: String?, reason: String?)] = [
                ("tenant.created", "success", admin, admin, nil),
                ("login.succeeded", "success", admin, admin, nil),
                ("login.failed", "failure", nil, admin, "wrong_password"),
                ("login.failed", "failure", nil, nil, "unknown_email"),
                ("user.registered", "success", reader, reader, nil),
                ("user.created", "success", admin, editor, nil),
                ("user.role_changed", "success", admin, editor, nil),
                ("user.deactivated", "success", admin, editor, nil),
                ("user.reactivated", "success", admin, editor, nil),
                ("user.deactivated", "success", admin, editor, nil),
                ("login.succeeded", "success", reader, reader, nil),
                ("user.password_changed", "success", reader, reader, nil),
                ("login.succeeded", "success", reader, reader, nil),
                ("refresh_token.reused", "failure", nil, reader, "family_revoked"),
                ("login.succeeded", "success", reader, reader, nil),
                ("logout", "success", reader, reader, nil),
                ("logout.everywhere", "success", reader, reader, nil),
            ]
            @Sendable func auditLog() async -> [[String: Any]] {
                let page = await call("GET", stack.collector + "/v1/logs/audit?limit=100", token: adminToken)
                return page?.json()["items"] as? [[String: Any]] ?? []
            }
            let shipped = try await ClusterTests.within(15) { await auditLog().count >= expected.count }
            #expect(shipped != nil, "the audit events reach the collector")
            let items = Array(await auditLog().reversed())
            #expect(items.count == expected.count)
            for (item, want) in zip(items, expected) {
                let what = "\(want.action) \(item)"
                #expect(item["type"] as? String == "audit" && item["service"] as? String == "auth-service", "\(what)")
                #expect(item["action"] as? String == want.action, "\(what)")
                #expect(item["outcome"] as? String == want.outcome, "\(what)")
                #expect(item["tenant_id"] as? String == tenant, "\(what)")
                #expect(item["actor_id"] as? String == want.actor, "\(what)")
                #expect(item["subject_id"] as? String == want.subject, "\(what)")
                #expect(item["reason"] as? String == want.reason, "\(what)")
                #expect(item["client_ip"] as? String == "127.0.0.1", "\(what)")
                #expect(item["user_agent"] as? String == Self.userAgent, "\(what)")
                #expect((item["request_id"] as? String)?.isEmpty == false, "\(what)")
            }

            // Filters.
            func actions(_ query: String) async throws -> [String] {
                let page = try await Self.send("GET", stack.collector + "/v1/logs/audit?limit=100&\(query)", token: adminToken)
                #expect(page.status == 200, "\(query)")
                return (page.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            }
            #expect(try await actions("action=login.failed") == ["login.failed", "login.failed"])
            #expect(try await actions("outcome=failure").count == 3)
            #expect(try await actions("subject_id=\(editor)") == ["user.deactivated", "user.reactivated", "user.deactivated", "user.role_changed", "user.created"])
            #expect(try await actions("actor_id=\(reader)&action=login.succeeded").count == 3)
            #expect(try await Self.send("GET", stack.collector + "/v1/logs/audit?actor_id=me", token: adminToken).status == 400)

            // Confined to the tenant's admins.
            let (otherAdmin, _) = try await stack.session(slug: "elsewhere")
            let otherItems = try await Self.send("GET", stack.collector + "/v1/logs/audit?limit=100", token: otherAdmin).json()["items"] as? [[String: Any]] ?? []
            #expect(otherItems.allSatisfy { $0["tenant_id"] as? String != tenant }, "another tenant's admin sees only its own")
            let moderatorLogin = try await Self.send("POST", auth + "/v1/users", token: adminToken, json: [
                "email": "moderator@audited.test", "password": Self.password, "name": "Moderator", "role": "moderator",
            ])
            #expect(moderatorLogin.status == 201)
            let moderator = try await Self.send("POST", auth + "/v1/auth/login", json: ["tenant": "audited", "email": "moderator@audited.test", "password": Self.password])
            let moderatorToken = try #require(moderator.json()["access_token"] as? String)
            #expect(try await Self.send("GET", stack.collector + "/v1/logs/audit", token: moderatorToken).status == 403)
            #expect(try await Self.send("GET", stack.collector + "/v1/logs/audit").status == 401)

            // The unknown tenant's failure is a metric; the rotation is stored with no tenant.
            let metrics = try await Self.send("GET", auth + "/metrics")
            #expect(String(decoding: metrics.body, as: UTF8.self).contains(#"auth_logins_refused_total{reason="unknown_tenant"} 1"#))
            try await stack.stop("observ-collector")
            let database = try DatabaseQueue(path: stack.folder.appending(path: "observ-collector.sqlite").path)
            let (rotations, everything) = try database.read { db in
                (
                    try String.fetchAll(db, sql: "SELECT action FROM events WHERE type = 'audit' AND tenant_id IS NULL"),
                    try Row.fetchAll(db, sql: "SELECT * FROM events")
                )
            }
            #expect(rotations == ["signing_key.rotated"])
            // No password, token or hash in any stored event, audit or not.
            let stored = everything.map { row in row.columnNames.map { "\(row[$0] ?? "")" }.joined(separator: "\t") }.joined(separator: "\n")
            for secret in secrets { #expect(!stored.contains(secret), "a secret in the stored events") }
            #expect(!stored.contains("$argon2"), "a password hash in the stored events")
            print("verify: audit trail: \(items.count) audit events of \(Set(expected.map(\.action)).count + 1) actions, \(everything.count) events stored, no secret among them")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }
}
