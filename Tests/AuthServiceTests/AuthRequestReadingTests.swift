import ServiceTestSupport
import Testing

@testable import AuthService

/// The auth bodies read from their bytes read as `JSONDecoder` reads them (`FlatRequestBodyCheck`).
@Suite struct AuthRequestReadingTests {
    static let roles = [#""user""#, #""moderator""#, #""admin""#, #""Admin""#, #""root""#]

    static func expectAgreement(_ outcome: FlatRequestBodyCheck.Outcome) {
        #expect(outcome.disagreements.isEmpty, "\(outcome.disagreements.prefix(5))")
        #expect(outcome.read > 100, "read \(outcome.read), decoded \(outcome.decoded)")
    }

    @Test func aLoginIsReadAsJSONDecoderReadsIt() {
        Self.expectAgreement(FlatRequestBodyCheck.run(SessionController.LoginRequest.self, members: ["tenant": [], "email": [], "password": []]))
    }

    @Test func aRefreshIsReadAsJSONDecoderReadsIt() {
        Self.expectAgreement(FlatRequestBodyCheck.run(SessionController.RefreshRequest.self, members: ["refresh_token": []]))
    }

    @Test func aRegistrationIsReadAsJSONDecoderReadsIt() {
        Self.expectAgreement(FlatRequestBodyCheck.run(RegisterRequest.self, members: ["tenant": [], "email": [], "password": [], "name": []]))
    }

    @Test func aNewUserIsReadAsJSONDecoderReadsIt() {
        Self.expectAgreement(FlatRequestBodyCheck.run(CreateUserRequest.self, members: ["email": [], "password": [], "name": [], "role": Self.roles]))
    }
}
