import Foundation
import Testing

@testable import ServiceKit

@Suite struct KeysetCursorTests {
    @Test func aCursorRoundTrips() {
        let cursor = KeysetCursor(timestamp: 1_795_000_000_123, id: "0f49a28e-cd53-45e4-adc7-5ebbb3c89728")
        #expect(KeysetCursor(encoded: cursor.encoded) == cursor)
        #expect(KeysetCursor(encoded: KeysetCursor(timestamp: 5, id: "42").encoded)?.id == "42")
    }

    /// A cursor is handed back by clients: one whose id holds anything but a UUID's or a row number's
    /// characters (a NUL, a quote, a space) is no cursor of ours.
    @Test func aForgedCursorIsRefused() {
        for id in ["a\u{0}b", "x' OR 1=1", "a b", String(repeating: "a", count: 65), "é"] {
            #expect(KeysetCursor(encoded: Base64URL.encode(Data("1|5|\(id)".utf8))) == nil, "\(id)")
        }
        #expect(KeysetCursor(encoded: Base64URL.encode(Data("1|99999999999999999999|a".utf8))) == nil, "a timestamp past Int64")
        #expect(KeysetCursor(encoded: "not base64!") == nil)
    }
}
