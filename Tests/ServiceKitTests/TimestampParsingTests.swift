import Foundation
import Testing

@testable import ServiceKit

@Suite struct TimestampParsingTests {
    static let slow = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    @Test(arguments: [
        "2026-11-22T10:04:05.123Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2024-02-29T12:00:00.500Z",
        "2000-03-01T00:00:00.001Z", "1900-01-01T00:00:00.000Z", "2099-12-31T23:59:59.000Z",
    ])
    func theFastPathAgreesWithTheFormatStyle(text: String) throws {
        let fast = try #require(Timestamp.parseUTC(text))
        let slow = try Self.slow.parse(text)
        #expect(abs(fast.timeIntervalSince1970 - slow.timeIntervalSince1970) < 0.000_5, "\(text)")
        #expect(Timestamp.format(fast) == text)
    }

    /// Any millisecond from 1600 to past 9999 is written as the Gregorian calendar names it (five-digit
    /// years as they are), every field zero-padded to its width. (Before 1582 Foundation's calendar is
    /// the Julian one; RFC 3339's is Gregorian throughout.)
    @Test func aTimestampIsWrittenAsTheCalendarNamesItsMillisecond() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, -1, 999, 1_000, 86_399_999, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -11_676_096_000_000]
        let random = (0..<2_000).map { _ in Int64.random(in: -11_676_096_000_000...300_000_000_000_000, using: &generator) }
        for milliseconds in edges + random {
            let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
            let year = try #require(parts.year)
            let expected = (year <= 9999 ? String(format: "%04d", year) : String(year))
                + String(format: "-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!, Int(milliseconds - seconds * 1000))
            #expect(Timestamp.format(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) == expected, "\(milliseconds)")
        }
    }

    @Test func fractionsOfAnyLengthAndNoneAreRead() {
        #expect(Timestamp.parse("2026-11-22T10:04:05Z")?.timeIntervalSince1970 == 1_795_341_845)
        #expect(Timestamp.parse("2026-11-22T10:04:05.5Z")?.timeIntervalSince1970 == 1_795_341_845.5)
        #expect(Timestamp.format(Timestamp.parse("2026-11-22T10:04:05.123456Z")!) == "2026-11-22T10:04:05.123Z")
    }

    @Test func otherOffsetsTakeTheLongWay() {
        #expect(Timestamp.parseUTC("2026-11-22T11:04:05.123+01:00") == nil)
        #expect(Timestamp.format(Timestamp.parse("2026-11-22T11:04:05.123+01:00")!) == "2026-11-22T10:04:05.123Z")
    }

    @Test(arguments: ["", "yesterday", "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T25:00:00Z", "2026-11-22T10:04:05.Z", "2026-11-22T10:04:05.12aZ", "2026-11-22 10:04:05Z"])
    func malformedTextIsNotATimestamp(text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }
}

@Suite struct LowercasedUUIDTests {
    @Test func itIsTheLowerCasedUUIDString() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
        #expect(UUID(uuidString: "00000000-0000-0000-0000-0000000000FF")!.lowercasedString == "00000000-0000-0000-0000-0000000000ff")
    }

    @Test func theBytesLentOnTheStackAreTheSameText() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(id.withLowercasedUTF8 { String(decoding: $0, as: UTF8.self) } == id.uuidString.lowercased())
        }
        #expect(UUID(uuidString: "FFFFFFFF-0000-0000-0000-00000000000A")!.withLowercasedUTF8 { Array($0) } == Array("ffffffff-0000-0000-0000-00000000000a".utf8))
    }
}

@Suite struct UUIDParsingTests {
    @Test func itReadsWhatFoundationReads() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(UUID(parsing: id.uuidString) == id)
            #expect(UUID(parsing: id.lowercasedString) == id)
        }
    }

    /// Every byte of an id changed to one that cannot stand there is refused, wherever it is; a
    /// substring reads as the string does.
    @Test func aByteOutOfPlaceAnywhereIsRefused() {
        let id = UUID()
        let text = Array(id.lowercasedString.utf8)
        for position in text.indices {
            let isDash = [8, 13, 18, 23].contains(position)
            for byte in isDash ? Array("0aF_ ".utf8) : Array("-gG/:@`\u{0}\u{80}".utf8) {
                var changed = text
                changed[position] = byte
                #expect(UUID(parsing: String(decoding: changed, as: UTF8.self)) == nil, "\(position) \(byte)")
            }
        }
        let padded = "<\(id.uuidString)>"
        #expect(UUID(parsing: padded.dropFirst().dropLast()) == id)
        #expect(UUID(parsing: padded.dropFirst()) == nil)
    }

    @Test(arguments: ["", "not-a-uuid", "6cee89e3d6e14d23be82729cd7a1610e", "6cee89e3-d6e1-4d23-be82-729cd7a1610", "6cee89e3-d6e1-4d23-be82-729cd7a1610g",
                      "6cee89e3_d6e1-4d23-be82-729cd7a1610e", "6cee89e3-d6e1-4d23-be82-729cd7a1610e0", " 6cee89e3-d6e1-4d23-be82-729cd7a1610"])
    func itRefusesWhatIsNotAUUID(text: String) {  // stricter than Foundation, whose sscanf takes a leading space
        #expect(UUID(parsing: text) == nil)
    }
}
