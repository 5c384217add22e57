import ServiceTestSupport
import Testing

@testable import AuthService

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(parameters: .recommended)

    @Test func aHashInTheStandardEncodingVerifiesOnlyItsPassword() async throws {
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$argon2id$v=19$m=7168,t=5,p=1$"))
        #expect(try await hasher.verify("correct horse battery", against: hash))
        #expect(try await !hasher.verify("correct horse batterY", against: hash))
        #expect(try await hasher.hash("correct horse battery") != hash, "a fresh salt each time")
    }

    @Test func unicodePasswordsAreHashedAsUTF8() async throws {
        let hash = try await hasher.hash("пароль-密码-🔑")
        #expect(try await hasher.verify("пароль-密码-🔑", against: hash))
    }

    @Test func aMalformedStoredHashVerifiesNothing() async throws {
        #expect(try await !hasher.verify("x", against: "not a hash"))
        #expect(try await !hasher.verify("x", against: ""))
    }

    @Test func hashesOfOtherParametersNeedARehash() async throws {
        let weaker = PasswordHasher(parameters: Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1))
        let old = try await weaker.hash("password-1")
        #expect(hasher.needsRehash(old))
        #expect(try await hasher.verify("password-1", against: old), "an old hash still verifies")
        #expect(!hasher.needsRehash(try await hasher.hash("password-1")))
    }

    @Test func hashesMadeAtTheFormerCostStillVerifyAndAreRehashed() async throws {
        // Stored before 2026-12-06, at OWASP's m=19 MiB, t=2: more memory than ours, yet not ours.
        let former = PasswordHasher(parameters: Argon2Parameters(memoryKiB: 19 * 1024, iterations: 2, parallelism: 1))
        let stored = try await former.hash("password-1")
        #expect(stored.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(try await hasher.verify("password-1", against: stored))
        #expect(try await !hasher.verify("password-2", against: stored))
        #expect(hasher.needsRehash(stored))
    }
}
