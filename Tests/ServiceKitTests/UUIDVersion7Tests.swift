import Foundation
import Testing

@testable import ServiceKit

@Suite struct UUIDVersion7Tests {
    @Test func itCarriesItsMillisecondVersionAndVariant() {
        let date = Date(timeIntervalSince1970: 1_795_341_845.123)
        let id = UUID.version7(at: date)
        let text = id.lowercasedString
        #expect(text.hasPrefix("01a202b6-8283-7"))  // 1,795,341,845,123 ms = 0x01a202b68283, then version 7
        #expect(["8", "9", "a", "b"].contains(text[text.index(text.startIndex, offsetBy: 19)]))  // RFC 9562's variant
        #expect(UUID(parsing: text) == id)
    }

    @Test func idsMadeLaterSortLaterAsText() {
        // One id a millisecond (the middle of each, away from rounding).
        let ids = (0..<1_000).map { UUID.version7(at: Date(timeIntervalSince1970: (1_795_341_845_000.5 + Double($0)) / 1000)).lowercasedString }
        let outOfOrder = zip(ids, ids.dropFirst()).filter { $0 >= $1 }.count
        #expect(outOfOrder == 0)
    }

    @Test func everyBitBesidesTheTimeVersionAndVariantIsRandom() {
        let ids = (0..<1_000).map { _ in UUID.version7(at: Date(timeIntervalSince1970: 1_795_341_845.123)).uuid }
        let words = ids.map { id in withUnsafeBytes(of: id) { ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) } }
        let high = IdentifierRandomnessTests.bitsSeen(words.map(\.0)), low = IdentifierRandomnessTests.bitsSeen(words.map(\.1))
        // Little-endian words: the first word's bytes 0-5 are the time and byte 6's high nibble the version;
        // the second word's byte 0 holds the variant in its two high bits.
        let fixedInHigh: UInt64 = 0x00F0_FFFF_FFFF_FFFF, fixedInLow: UInt64 = 0xC0
        #expect(high.set & high.clear == ~fixedInHigh)
        #expect(low.set & low.clear == ~fixedInLow)
    }

    @Test func idsOfOneMillisecondDiffer() {
        let date = Date()
        let ids = (0..<1_000).map { _ in UUID.version7(at: date) }
        #expect(Set(ids).count == ids.count)
    }
}
