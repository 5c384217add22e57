import Testing

@testable import AuthService

@Suite struct RefreshTokenSecretTests {
    @Test func aSecretIs256RandomBitsInBase64URL() throws {
        let secrets = (0..<1_000).map { _ in RefreshTokenSecret.generate() }
        #expect(Set(secrets).count == secrets.count)
        for secret in secrets {
            #expect(secret.utf8.count == 43)  // 32 bytes, unpadded
            try RefreshTokenSecret.check(secret)
        }
        // Every base64url character turns up: the bytes are not stuck on a few values.
        #expect(Set(secrets.joined()).count == 64)
    }
}
