import Testing

@testable import ServiceKit

@Suite struct IdentifierRandomnessTests {
    /// Which bits were seen set, and which seen clear, over `words`.
    static func bitsSeen(_ words: some Sequence<UInt64>) -> (set: UInt64, clear: UInt64) {
        words.reduce((set: UInt64(0), clear: UInt64(0))) { seen, word in (seen.set | word, seen.clear | ~word) }
    }

    @Test func wordsDifferAcrossManyRefillsAndEveryBitVaries() {
        var generator = IdentifierRandomness()
        let words = (0..<10_000).map { _ in generator.next() }  // about 150 fills of the pool
        #expect(Set(words).count == words.count)
        let seen = Self.bitsSeen(words)
        #expect(seen.set == .max && seen.clear == .max)
    }

    @Test func concurrentDrawsNeverShareAWord() async {
        let words = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var generator = IdentifierRandomness()
                    return (0..<2_000).map { _ in generator.next() }
                }
            }
            return await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        #expect(words.count == 16_000)
        #expect(Set(words).count == words.count)
    }
}
