import Foundation
import PropertyBased
import ServiceKit
import Testing

@testable import TokenVerification

/// Property-based tests of the token parser (the hardening issue's fuzz requirement): thousands of
/// generated and mutated tokens, a bounded number a run, none of which may crash the verifier or be
/// accepted unless it proves exactly what a genuine token proves.
@Suite struct TokenParserPropertyTests {
    let fixture = TokenFixture()

    /// Bytes that tokens are made of (mostly), some that they are not, and any byte at all.
    static let byteTable: [UInt8] = Array(repeating: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8), count: 4)
        .flatMap { $0 } + Array(".=+/ \0\"{}.....".utf8) + (0...255).map(UInt8.init)
    static let tokenByte = Gen<Int>.int(in: 0..<byteTable.count).map { byteTable[$0] }

    @Test func arbitraryTextIsRefused() async throws {
        let verifier = try await fixture.verifier()
        await propertyCheck(count: 2_000, input: Self.tokenByte.array(of: 0...400)) { bytes in
            let token = String(decoding: bytes, as: UTF8.self)
            await #expect(throws: TokenRejection.self) { try await verifier.verify(token) }
        }
    }

    /// A genuine token with one character replaced, cut short, or a segment dropped or doubled: refused,
    /// or (for a change that base64url decodes to the same bytes) exactly the original caller.
    @Test func aMutatedTokenIsRefusedOrUnchanged() async throws {
        let verifier = try await fixture.verifier()
        let genuine = try await fixture.sign()
        let original = try await verifier.verify(genuine)
        let characters = Array(genuine.utf8)
        let mutation = Gen<Int>.int(in: 0...3)
        let position = Gen<Int>.int(in: 0..<characters.count)
        await propertyCheck(count: 2_000, input: mutation, position, Self.tokenByte) { kind, index, byte in
            var bytes = characters
            switch kind {
            case 0: bytes[index] = byte
            case 1: bytes = Array(bytes[..<index])
            case 2: bytes.insert(byte, at: index)
            default:
                let parts = genuine.split(separator: ".", omittingEmptySubsequences: false)
                bytes = Array((index % 2 == 0 ? parts + [parts[index % 3]] : Array(parts.dropLast())).joined(separator: ".").utf8)
            }
            let token = String(decoding: bytes, as: UTF8.self)
            guard token != genuine else { return }
            do {
                let user = try await verifier.verify(token)
                #expect(user == original, "a changed token proved something else: \(token)")
            } catch {
                #expect(error is TokenRejection)
            }
        }
    }

    /// Validly signed payloads with hostile claim values (huge, negative, wrong types, NUL): refused
    /// without trapping; `exp` at the largest integer once overflowed the leeway arithmetic.
    @Test func signedHostileClaimsNeverTrap() async throws {
        let verifier = try await fixture.verifier()
        let hostile: [any Sendable] = [
            Int.max, Int.min, -1, 0, 1e300, -1e300, 9_223_372_036_854_775_807.0, "1795000000", true, NSNull(),
            ["nested": 1], [1, 2], "", "\u{0}", String(repeating: "x", count: 10_000),
        ]
        let claims = ["iat", "nbf", "exp", "sub", "tid", "tslug", "role", "typ", "aud", "iss", "jti"]
        let claim = Gen<Int>.int(in: 0..<claims.count).map { claims[$0] }
        let value = Gen<Int>.int(in: 0..<hostile.count)
        await propertyCheck(count: 500, input: claim, value, claim, value) { first, firstValue, second, secondValue in
            guard let payload = try? fixture.payload(editing: {
                $0[first] = hostile[firstValue]
                $0[second] = hostile[secondValue]
            }) else { return }  // JSONSerialization cannot write some of them (1e300 it can; NaN it cannot)
            guard let token = try? fixture.es256(payload: payload) else { return }
            do {
                _ = try await verifier.verify(token)
            } catch {
                #expect(error is TokenRejection)
            }
        }
    }
}
