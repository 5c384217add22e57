import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

@Suite struct UserRoutesTests {
    let harness = AuthTestHarness()

    @Test func registerJoinsATenantAsAPlainUser() async throws {
        try await harness.test { client in
            let (tenant, _) = try await client.signUp("join")
            let response = try await client.send(.post, "/v1/auth/register", body: json([
                "tenant": "join", "email": "Bo@Join.Test", "password": "bo-password", "name": "Bo",
            ]))
            #expect(response.status == .created)
            let user = try response.decode(UserResponse.self)
            #expect(user.role == .user)
            #expect(user.tenantId == tenant.id)
            #expect(user.email == "bo@join.test")
            #expect(response.headers[.location] == "/v1/users/\(user.id)")
            #expect(!response.text.contains("hash") && !response.text.contains("password"))

            let me = try await client.send(.get, "/v1/auth/me", token: try await client.login("join", "bo@join.test", "bo-password").accessToken)
            #expect(try me.decode(UserResponse.self) == user)
        }
    }

    @Test func anEmailIsUniquePerTenantOnly() async throws {
        try await harness.test { client in
            try await client.signUp("first")
            try await client.signUp("second")
            let body = ["email": "same@person.test", "password": "same-password", "name": "Same"]
            #expect(try await client.send(.post, "/v1/auth/register", body: json(body.merging(["tenant": "first"]) { $1 })).status == .created)
            let duplicate = try await client.send(.post, "/v1/auth/register", body: json(body.merging(["tenant": "first", "email": "SAME@person.test"]) { $1 }))
            #expect(duplicate.status == .conflict)
            #expect(try await client.send(.post, "/v1/auth/register", body: json(body.merging(["tenant": "second"]) { $1 })).status == .created)
            // Each account logs in to its own tenant.
            _ = try await client.login("first", "same@person.test", "same-password")
            _ = try await client.login("second", "same@person.test", "same-password")
        }
    }

    @Test func registeringIntoAnUnknownTenantIsNotFound() async throws {
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/auth/register", body: json([
                "tenant": "nowhere", "email": "a@b.test", "password": "long-enough", "name": "A",
            ]))
            #expect(response.status == .notFound)
        }
    }

    @Test func aShortPasswordIsRefusedAtRegistration() async throws {
        try await harness.test { client in
            try await client.signUp("shortpw")
            let response = try await client.send(.post, "/v1/auth/register", body: json([
                "tenant": "shortpw", "email": "a@b.test", "password": "seven77", "name": "A",
            ]))
            #expect(response.status == .badRequest)
            #expect(response.error?.details == [FieldError(field: "password", message: "must be 8 to 128 characters")])
        }
    }

    @Test func adminRoutesAreForbiddenToOtherRoles() async throws {
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("roles")
            let (_, user) = try await client.member("roles", adminToken: admin.accessToken, email: "u@roles.test")
            let (moderatorUser, moderator) = try await client.member("roles", adminToken: admin.accessToken, email: "m@roles.test", role: .moderator)
            for token in [user.accessToken, moderator.accessToken] {
                #expect(try await client.send(.get, "/v1/users", token: token).status == .forbidden)
                let create = try await client.send(.post, "/v1/users", token: token, body: json(["email": "x@roles.test", "password": "long-enough", "name": "X"]))
                #expect(create.status == .forbidden)
                #expect(create.error?.code == .forbidden)
                #expect(try await client.send(.delete, "/v1/users/\(moderatorUser.id)", token: token).status == .forbidden)
            }
            // A plain user sees and changes only themself.
            #expect(try await client.send(.get, "/v1/users/\(moderatorUser.id)", token: user.accessToken).status == .forbidden)
            let rename = try await client.send(.patch, "/v1/users/\(moderatorUser.id)", token: user.accessToken, body: json(["name": "Hacked"]))
            #expect(rename.status == .forbidden)
        }
    }

    @Test func anotherTenantsUserIsNotFoundOnEveryRoute() async throws {
        try await harness.test { client in
            let (_, _, mine) = try await client.adminSession("mine")
            let (_, theirAdmin, _) = try await client.adminSession("theirs")
            for (method, body) in [(HTTPRequest.Method.get, nil), (.patch, json(["name": "X"])), (.delete, nil)] {
                let response = try await client.send(method, "/v1/users/\(theirAdmin.id)", token: mine.accessToken, body: body)
                #expect(response.status == .notFound, "\(method)")
                #expect(response.error?.message == "User not found")
                let missing = try await client.send(method, "/v1/users/\(UUID().lowercasedString)", token: mine.accessToken, body: body)
                #expect(missing.status == .notFound)
                #expect(missing.error?.message == response.error?.message, "exactly like one that does not exist")
            }
            #expect(try await client.send(.get, "/v1/users/not-a-uuid", token: mine.accessToken).status == .notFound)
            let list = try await client.send(.get, "/v1/users", token: mine.accessToken).decode(Page<UserResponse>.self)
            #expect(list.items.map(\.email) == ["admin@mine.test"])
        }
    }

    @Test func anAdminCreatesUsersOfAnyRole() async throws {
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("create")
            for role in Role.allCases {
                let (user, tokens) = try await client.member("create", adminToken: admin.accessToken, email: "role-\(role.rawValue)@create.test", role: role)
                #expect(user.role == role)
                #expect(try await client.send(.get, "/v1/auth/me", token: tokens.accessToken).decode(UserResponse.self).role == role)
            }
            let plain = try await client.send(.post, "/v1/users", token: admin.accessToken, body: json(["email": "plain@create.test", "password": "long-enough", "name": "P"]))
            #expect(try plain.decode(UserResponse.self).role == .user, "role defaults to user")
            let badRole = try await client.send(.post, "/v1/users", token: admin.accessToken, body: json(["email": "b@create.test", "password": "long-enough", "name": "B", "role": "owner"]))
            #expect(badRole.status == .badRequest)
            #expect(badRole.error?.details?.first?.field == "role")
            let duplicate = try await client.send(.post, "/v1/users", token: admin.accessToken, body: json(["email": "PLAIN@create.test", "password": "long-enough", "name": "P"]))
            #expect(duplicate.status == .conflict)
        }
    }

    @Test func theListIsPaginatedAndFiltered() async throws {
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("list")
            for index in 0..<25 {
                harness.clock.advance(by: 1)
                let role: Role = index % 5 == 0 ? .moderator : .user
                let response = try await client.send(.post, "/v1/users", token: admin.accessToken, body: json([
                    "email": "user\(index)@list.test", "password": "long-enough", "name": index % 2 == 0 ? "Even \(index)" : "Odd \(index)", "role": role.rawValue,
                ]))
                #expect(response.status == .created)
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let page = try await client.send(.get, "/v1/users?limit=10\(query)", token: admin.accessToken).decode(Page<UserResponse>.self)
                #expect(page.items.count <= 10)
                seen += page.items.map(\.email)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == ["admin@list.test"] + (0..<25).map { "user\($0)@list.test" }, "creation order, no gap, no duplicate")

            let moderators = try await client.send(.get, "/v1/users?role=moderator", token: admin.accessToken).decode(Page<UserResponse>.self)
            #expect(moderators.items.map(\.email) == ["user0@list.test", "user5@list.test", "user10@list.test", "user15@list.test", "user20@list.test"])
            #expect(moderators.nextCursor == nil)
            let odd = try await client.send(.get, "/v1/users?q=odd%201", token: admin.accessToken).decode(Page<UserResponse>.self)
            #expect(odd.items.map(\.name) == ["Odd 1", "Odd 11", "Odd 13", "Odd 15", "Odd 17", "Odd 19"])
            let byEmail = try await client.send(.get, "/v1/users?q=USER2", token: admin.accessToken).decode(Page<UserResponse>.self)
            #expect(byEmail.items.map(\.email) == ["user2@list.test", "user20@list.test", "user21@list.test", "user22@list.test", "user23@list.test", "user24@list.test"])
            let wildcard = try await client.send(.get, "/v1/users?q=%25", token: admin.accessToken).decode(Page<UserResponse>.self)
            #expect(wildcard.items.isEmpty, "% is a character, not a wildcard")

            for bad in ["limit=0", "limit=101", "limit=ten", "cursor=garbage!", "role=owner"] {
                let response = try await client.send(.get, "/v1/users?\(bad)", token: admin.accessToken)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.error?.code == .validationFailed)
            }
        }
    }

    @Test func theLastActiveAdminCannotBeDemotedOrDeactivated() async throws {
        try await harness.test { client in
            let (_, firstAdmin, first) = try await client.adminSession("last")
            let (secondAdmin, second) = try await client.member("last", adminToken: first.accessToken, email: "second@last.test", role: .admin)

            // With two admins, one may be demoted...
            let demote = try await client.send(.patch, "/v1/users/\(secondAdmin.id)", token: first.accessToken, body: json(["role": "user"]))
            #expect(demote.status == .ok)
            // ...but not the last one, by any route.
            let (_, third) = try await client.member("last", adminToken: first.accessToken, email: "third@last.test", role: .admin)
            let thirdID = try await client.send(.get, "/v1/auth/me", token: third.accessToken).decode(UserResponse.self).id
            #expect(try await client.send(.delete, "/v1/users/\(thirdID)", token: first.accessToken).status == .noContent)
            let lastDemote = try await client.send(.patch, "/v1/users/\(firstAdmin.id)", token: first.accessToken, body: json(["role": "moderator"]))
            #expect(lastDemote.status == .conflict)
            #expect(lastDemote.error?.message == "A tenant must keep at least one active admin")
            // Nothing changed.
            #expect(try await client.send(.get, "/v1/auth/me", token: first.accessToken).decode(UserResponse.self).role == .admin)
            _ = second
        }
    }

    @Test func anAdminCannotDeactivateThemself() async throws {
        try await harness.test { client in
            let (_, admin, tokens) = try await client.adminSession("self")
            _ = try await client.member("self", adminToken: tokens.accessToken, email: "other-admin@self.test", role: .admin)
            let delete = try await client.send(.delete, "/v1/users/\(admin.id)", token: tokens.accessToken)
            #expect(delete.status == .conflict)
            let patch = try await client.send(.patch, "/v1/users/\(admin.id)", token: tokens.accessToken, body: json(["is_active": false]))
            #expect(patch.status == .conflict)
            #expect(patch.error?.message == "An admin cannot deactivate themself")
        }
    }

    @Test func aUserChangesTheirNameAndPasswordButNotTheirRole() async throws {
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("selfserve")
            let (user, tokens) = try await client.member("selfserve", adminToken: admin.accessToken, email: "me@selfserve.test")
            let path = "/v1/users/\(user.id)"

            let renamed = try await client.send(.patch, path, token: tokens.accessToken, body: json(["name": "New Name"]))
            #expect(renamed.status == .ok)
            #expect(try renamed.decode(UserResponse.self).name == "New Name")
            #expect(try await client.send(.patch, path, token: tokens.accessToken, body: json(["role": "admin"])).status == .forbidden)
            #expect(try await client.send(.patch, path, token: tokens.accessToken, body: json(["is_active": false])).status == .forbidden)

            let noCurrent = try await client.send(.patch, path, token: tokens.accessToken, body: json(["password": "brand-new-password"]))
            #expect(noCurrent.status == .badRequest)
            #expect(noCurrent.error?.details?.first?.field == "current_password")
            let wrongCurrent = try await client.send(.patch, path, token: tokens.accessToken, body: json(["password": "brand-new-password", "current_password": "wrong-password"]))
            #expect(wrongCurrent.status == .badRequest)
            #expect(wrongCurrent.error?.details == [FieldError(field: "current_password", message: "is not correct")])
            let short = try await client.send(.patch, path, token: tokens.accessToken, body: json(["password": "short", "current_password": "member-password"]))
            #expect(short.status == .badRequest)

            let changed = try await client.send(.patch, path, token: tokens.accessToken, body: json(["password": "brand-new-password", "current_password": "member-password"]))
            #expect(changed.status == .ok)
            _ = try await client.login("selfserve", "me@selfserve.test", "brand-new-password")
            let old = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "selfserve", "email": "me@selfserve.test", "password": "member-password"]))
            #expect(old.status == .unauthorized)

            // An admin manages names, roles and activity, but not another user's password.
            let adminSetsPassword = try await client.send(.patch, path, token: admin.accessToken, body: json(["password": "admin-chosen-pw", "current_password": "brand-new-password"]))
            #expect(adminSetsPassword.status == .forbidden)
            let promoted = try await client.send(.patch, path, token: admin.accessToken, body: json(["role": "moderator", "name": "Mod"]))
            #expect(try promoted.decode(UserResponse.self).role == .moderator)
            #expect(try await client.send(.patch, path, token: admin.accessToken, body: json(["email": "x@y.test"])).status == .badRequest, "unknown field")
        }
    }

    @Test func deactivationAnswers204AndBlocksLogin() async throws {
        try await harness.test { client in
            let (_, _, admin) = try await client.adminSession("deactivate")
            let (user, _) = try await client.member("deactivate", adminToken: admin.accessToken, email: "bye@deactivate.test")
            #expect(try await client.send(.delete, "/v1/users/\(user.id)", token: admin.accessToken).status == .noContent)
            #expect(try await client.send(.delete, "/v1/users/\(user.id)", token: admin.accessToken).status == .noContent, "idempotent")
            let stored = try await client.send(.get, "/v1/users/\(user.id)", token: admin.accessToken).decode(UserResponse.self)
            #expect(stored.isActive == false)
            let login = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "deactivate", "email": "bye@deactivate.test", "password": "member-password"]))
            #expect(login.status == .unauthorized)
        }
    }
}
