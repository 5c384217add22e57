import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import TokenVerification

/// Every rejection reaches the client as the contract's 401, through the middleware.
@Suite struct BearerAuthenticatorTests {
    let fixture = TokenFixture()

    struct Caller: ResponseEncodable {
        let userId: String
        let tenantId: String
        let tenantSlug: String
        let role: Role
    }

    func makeApp(verifier: AccessTokenVerifier) -> some ApplicationProtocol {
        let router = ServiceRouter.make(context: TenantRequestContext.self, metrics: ServiceMetrics(), readiness: { 1 })
        let protected = router.authenticated("/v1", by: BearerAuthenticator(verifier: verifier))
        protected.get("/me") { _, context in
            let user = context.caller
            return Caller(userId: user.userID.lowercasedString, tenantId: user.tenantID.lowercasedString, tenantSlug: user.tenantSlug, role: user.role)
        }
        return Application(router: router)
    }

    /// A `CallerContext` cannot be made without a caller: a group of them that forgot its
    /// authenticator answers 401, never runs its handler.
    @Test func aCallerContextWithoutAnAuthenticatorRefuses() async throws {
        let router = ServiceRouter.make(context: TenantRequestContext.self, metrics: ServiceMetrics(), readiness: { 1 })
        router.group("/v1").group(context: CallerContext<TenantRequestContext>.self).get("/me") { _, context in
            Caller(userId: context.caller.userID.lowercasedString, tenantId: "", tenantSlug: "", role: .user)
        }
        let response = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: "Bearer \(try await fixture.sign())"])
        }
        try expect401(response, wwwAuthenticate: "Bearer")
    }

    func call(_ authorization: String?, verifier: AccessTokenVerifier? = nil) async throws -> TestResponse {
        let verifier = if let verifier { verifier } else { try await fixture.verifier() }
        return try await makeApp(verifier: verifier).test(.router) { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: authorization.map { [.authorization: $0] } ?? [:])
        }
    }

    func expect401(_ response: TestResponse, wwwAuthenticate: String) throws {
        #expect(response.status == .unauthorized)
        #expect(response.headers[.wwwAuthenticate] == wwwAuthenticate)
        let body = try ContractJSON.makeDecoder().decode(ErrorBody.self, from: response.body)
        #expect(body.error.code == .authenticationFailed)
        #expect(body.error.requestId != nil)
        #expect(body.error.requestId == response.headers[.requestID])
    }

    @Test func aValidTokenReachesTheRouteWithItsCaller() async throws {
        let response = try await call("Bearer \(try await fixture.sign())")
        #expect(response.status == .ok)
        let text = String(buffer: response.body)
        #expect(text.contains(#""tenant_id":"\#(fixture.tenantID.lowercasedString)""#))
        #expect(text.contains(#""user_id":"\#(fixture.userID.lowercasedString)""#))
        #expect(text.contains(#""role":"moderator""#))
    }

    @Test func theSchemeIsCaseInsensitive() async throws {
        #expect(try await call("bearer \(try await fixture.sign())").status == .ok)
    }

    @Test func noCredentialsAnswerBearerWithoutAnErrorCode() async throws {
        try expect401(try await call(nil), wwwAuthenticate: "Bearer")
    }

    @Test func anotherSchemeCountsAsNoBearerCredentials() async throws {
        try expect401(try await call("Basic dXNlcjpwYXNz"), wwwAuthenticate: "Bearer")
    }

    @Test func anEmptyBearerTokenIsAnInvalidToken() async throws {
        try expect401(try await call("Bearer "), wwwAuthenticate: #"Bearer error="invalid_token""#)
    }

    @Test(arguments: ForgedToken.allCases)
    func eachForgedTokenIsA401InvalidToken(_ forged: ForgedToken) async throws {
        let (token, _) = try await forged.make(fixture)
        try expect401(try await call("Bearer \(token)"), wwwAuthenticate: #"Bearer error="invalid_token""#)
    }

    @Test func aRevokedSubjectIsA401InvalidToken() async throws {
        let revocations = FixedRevocations()
        revocations.set(fixture.userID.uuidString.lowercased(), notBefore: TokenFixture.now + 1)
        let verifier = try await fixture.verifier(revocations: revocations)
        try expect401(try await call("Bearer \(try await fixture.sign())", verifier: verifier), wwwAuthenticate: #"Bearer error="invalid_token""#)
    }
}
