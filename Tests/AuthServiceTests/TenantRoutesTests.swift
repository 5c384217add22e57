import Foundation
import HummingbirdTesting
import NIOCore
import ServiceKit
import ServiceTestSupport
import Testing

@testable import AuthService

@Suite struct TenantRoutesTests {
    let harness = AuthTestHarness()

    @Test func signUpCreatesTheTenantAndItsFirstAdmin() async throws {
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/tenants", body: json([
                "slug": "acme-2", "name": "Acme", "admin": ["email": "Ann@Acme.Test", "password": "correct horse", "name": "Ann"],
            ]))
            #expect(response.status == .created)
            let body = try response.decode(TenantController.SignUpResponse.self)
            #expect(body.tenant.slug == "acme-2")
            #expect(body.tenant.name == "Acme")
            #expect(body.user.tenantId == body.tenant.id)
            #expect(body.user.role == .admin)
            #expect(body.user.isActive)
            #expect(body.user.email == "ann@acme.test", "emails are stored lower-cased")
            #expect(!response.text.contains("password"), "no hash nor password in the answer")
            #expect(UUID(uuidString: body.tenant.id) != nil && body.tenant.id == body.tenant.id.lowercased())

            let tokens = try await client.login("acme-2", "ANN@acme.test", "correct horse")
            let current = try await client.send(.get, "/v1/tenants/current", token: tokens.accessToken)
            #expect(current.status == .ok)
            #expect(try current.decode(TenantResponse.self) == body.tenant)
        }
    }

    @Test func aTakenSlugIsAConflictAndCreatesNothing() async throws {
        try await harness.test { client in
            try await client.signUp("taken")
            let response = try await client.send(.post, "/v1/tenants", body: json([
                "slug": "taken", "name": "Other", "admin": ["email": "other@x.test", "password": "other-password", "name": "O"],
            ]))
            #expect(response.status == .conflict)
            #expect(response.error?.code == .conflict)
            // The second admin was not created either: one transaction.
            let login = try await client.send(.post, "/v1/auth/login", body: json(["tenant": "taken", "email": "other@x.test", "password": "other-password"]))
            #expect(login.status == .unauthorized)
        }
    }

    @Test(arguments: ["a", "-abc", "Acme", "acme_corp", "acme corp", "ä-corp", String(repeating: "a", count: 64), ""])
    func aBadSlugIsRefused(slug: String) async throws {
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/tenants", body: json([
                "slug": slug, "name": "X", "admin": ["email": "a@x.test", "password": "long-enough", "name": "A"],
            ]))
            #expect(response.status == .badRequest)
            #expect(response.error?.code == .validationFailed)
            #expect(response.error?.details?.map(\.field) == ["slug"])
        }
    }

    @Test(arguments: ["ab", "a1", "0-0", String(repeating: "z", count: 63)])
    func theEdgesOfTheSlugRuleAreAccepted(slug: String) async throws {
        try await harness.test { client in _ = try await client.signUp(slug) }
    }

    @Test func everyBadFieldIsListed() async throws {
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/tenants", body: json([
                "slug": "fine", "name": "", "admin": ["email": "not-an-email", "password": "short", "name": ""],
            ]))
            #expect(response.status == .badRequest)
            #expect(Set(response.error?.details?.map(\.field) ?? []) == ["name", "admin.email", "admin.password", "admin.name"])
        }
    }

    @Test func passwordLengthsCountCharacters() async throws {
        try await harness.test { client in
            for (password, accepted) in [("1234567", false), ("12345678", true), (String(repeating: "é", count: 128), true), (String(repeating: "x", count: 129), false)] {
                let response = try await client.send(.post, "/v1/tenants", body: json([
                    "slug": "pw-\(password.count)-\(accepted)", "name": "P", "admin": ["email": "a@x.test", "password": password, "name": "A"],
                ]))
                #expect(response.status == (accepted ? .created : .badRequest), "\(password.count) characters")
            }
        }
    }

    @Test func malformedBodiesAreClientErrors() async throws {
        try await harness.test { client in
            let notJSON = try await client.send(.post, "/v1/tenants", body: ByteBuffer(string: "{slug"))
            #expect(notJSON.status == .badRequest)
            let wrongType = try await client.send(.post, "/v1/tenants", body: json(["slug": 5, "name": "X", "admin": [:]]))
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.error?.details?.first?.field == "slug")
            let unknownField = try await client.send(.post, "/v1/tenants", body: json([
                "slug": "x1", "name": "X", "plan": "gold", "admin": ["email": "a@x.test", "password": "long-enough", "name": "A"],
            ]))
            #expect(unknownField.status == .badRequest)
            #expect(unknownField.error?.details == [FieldError(field: "plan", message: "is not a known field")])
            let text = try await client.send(.post, "/v1/tenants", body: ByteBuffer(string: "slug=x"), headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType)
            let huge = try await client.send(.post, "/v1/tenants", body: ByteBuffer(repeating: UInt8(ascii: " "), count: 1 << 21))
            #expect(huge.status == .contentTooLarge)
        }
    }

    @Test func theCurrentTenantNeedsAToken() async throws {
        try await harness.test { client in
            let response = try await client.send(.get, "/v1/tenants/current")
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
        }
    }
}
