import CArgon2
import Foundation
import Testing

@testable import AuthService

/// Hashes are encoded and their memory handled here rather than by libargon2's `*_encoded` functions
/// (`Argon2Encoded`, `Argon2Memory`): the encoding must be libargon2's byte for byte, either side must
/// verify the other's hashes, a damaged stored hash must verify nothing, and the memory must go back
/// to the kernel once hashing stops.
@Suite struct Argon2StorageTests {
    static let light = Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)

    /// libargon2's own encoded hash of `password` with `salt`.
    static func libargon2Hash(_ password: String, salt: [UInt8], parameters: Argon2Parameters, hashLength: Int = 32) -> String {
        let length = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, UInt32(salt.count), UInt32(hashLength), Argon2_id) + 1
        var encoded = [CChar](repeating: 0, count: length)
        let password = Array(password.utf8)
        let result = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, password, password.count, salt, salt.count,
            hashLength, &encoded, encoded.count)
        #expect(result == ARGON2_OK.rawValue)
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test(arguments: [light, Argon2Parameters(memoryKiB: 256, iterations: 3, parallelism: 2), .recommended])
    func theEncodingIsLibargon2sAndEachSideVerifiesTheOthers(parameters: Argon2Parameters) throws {
        let ours = try PasswordHasher.hashNow("correct horse", parameters: parameters)
        #expect(argon2id_verify(ours, Array("correct horse".utf8), "correct horse".utf8.count) == ARGON2_OK.rawValue, "libargon2 verifies ours")
        let decoded = try #require(Argon2Encoded(ours))
        #expect(decoded.parameters == parameters && decoded.salt.count == PasswordHasher.saltLength)
        #expect(Self.libargon2Hash("correct horse", salt: decoded.salt, parameters: parameters) == ours, "byte for byte libargon2's")

        for salt in [[UInt8](repeating: 7, count: 16), Array(0..<8), Array(0..<64)] {
            let theirs = Self.libargon2Hash("pässwörd", salt: salt, parameters: parameters)
            #expect(PasswordHasher.verifyNow("pässwörd", against: theirs), "ours verifies libargon2's")
            #expect(!PasswordHasher.verifyNow("passwörd", against: theirs))
            #expect(Argon2Encoded(theirs)?.text == theirs)
        }
    }

    /// Any byte of a stored hash changed, removed or added: nothing verifies, or (when the text still
    /// reads) it reads back as exactly that text.
    @Test func aDamagedStoredHashVerifiesNothing() throws {
        let stored = Self.libargon2Hash("pw", salt: Array(0..<16), parameters: Self.light)
        let bytes = Array(stored.utf8)
        let replacements = Array("$=,0123456789+/Aa".utf8) + [0x00, 0xFF]
        var damaged: [[UInt8]] = []
        for index in bytes.indices {
            for replacement in replacements where replacement != bytes[index] {
                var changed = bytes
                changed[index] = replacement
                damaged.append(changed)
            }
            damaged.append(Array(bytes[..<index] + bytes[(index + 1)...]))
        }
        damaged += [bytes + Array("=".utf8), bytes + Array("A".utf8), bytes + Array("$".utf8)]
        for text in damaged.map({ String(decoding: $0, as: UTF8.self) }) where text != stored {
            if let read = Argon2Encoded(text) { #expect(read.text == text, "\(text)") }
            #expect(!PasswordHasher.verifyNow("pw", against: text), "\(text)")
        }
        for text in [
            "$argon2id$v=19$m=4194304,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),  // 4 GiB
            "$argon2id$v=19$m=064,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),
            "$argon2id$v=19$m=64,t=0,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),
            "$argon2i$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),
            "$argon2id$v=16$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),
        ] {
            #expect(Argon2Encoded(text) == nil, "\(text)")
        }
    }

    @Test func aBlockIsReusedWhileHashesComeAndUnmappedOnceTheyStop() async throws {
        let memory = Argon2Memory(idleRelease: .seconds(3600))
        let size = 1 << 20
        let first = try #require(memory.take(size))
        memory.give(first, size: size)
        #expect(memory.mappedBlocks == 1, "kept for the next hash")
        let again = try #require(memory.take(size))
        #expect(again == first, "the kept block is reused")
        let other = try #require(memory.take(size))
        #expect(other != first && memory.mappedBlocks == 2)
        let generation = memory.generation
        memory.give(other, size: size)
        memory.give(again, size: size)
        memory.releaseIfIdle(since: generation - 1)
        #expect(memory.mappedBlocks == 2, "a release scheduled before the last hand-out does nothing")
        memory.releaseIfIdle(since: generation)
        #expect(memory.mappedBlocks == 0)

        let quick = Argon2Memory(idleRelease: .milliseconds(20))
        quick.give(try #require(quick.take(size)), size: size)
        for _ in 0..<500 where quick.mappedBlocks > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(quick.mappedBlocks == 0, "unmapped once no hash came for idleRelease")
    }
}
