import Testing

@testable import ServiceKit
@testable import TokenVerification

@Suite struct BearerTokenParsingTests {
    typealias Authenticator = BearerAuthenticator<TenantRequestContext>

    @Test(arguments: [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER   abc \t", "abc"),
        ("\t Bearer abc", "abc"),
        ("Bearer", ""),
        ("Bearer    ", ""),
        ("Bearer tøken", "tøken"),
    ])
    func theTokenOfABearerAuthorization(header: String, token: String) {
        #expect(Authenticator.bearerToken(header) == token)
    }

    @Test(arguments: ["Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearerabc", "Bearers abc", "", "  "])
    func anotherSchemeIsNoBearerToken(header: String) {
        #expect(Authenticator.bearerToken(header) == nil)
    }

    @Test func noHeaderIsNoToken() {
        #expect(Authenticator.bearerToken(nil) == nil)
    }
}
