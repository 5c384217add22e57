import Foundation
import ServiceTestSupport
import Testing

@testable import ServiceKit

@Suite struct Base64URLTests {
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func theRFCsVectorsWithoutPadding(text: String, encoded: String) {
        #expect(Base64URL.encode(Data(text.utf8)) == encoded)
    }

    @Test func theURLAlphabetsTwoLastCharacters() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.encode([0xFF]) == "_w")
    }

    /// Every length and byte, held to Foundation's base64 with the URL alphabet and no padding.
    @Test func randomBytesEncodeAsFoundationsBase64WithTheURLAlphabet() {
        var random = SeededGenerator(state: 0xB64)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...70, using: &random)).map { _ in UInt8.random(in: .min ... .max, using: &random) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == expected, "\(bytes)")
            #expect(Base64URL.decode(encoded) == Data(bytes))
        }
    }
}
