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
}

@Suite struct UUIDParsingTests {
    @Test func itReadsWhatFoundationReads() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(UUID(parsing: id.uuidString) == id)
            #expect(UUID(parsing: id.lowercasedString) == id)
        }
    }

    @Test(arguments: ["", "not-a-uuid", "6cee89e3d6e14d23be82729cd7a1610e", "6cee89e3-d6e1-4d23-be82-729cd7a1610", "6cee89e3-d6e1-4d23-be82-729cd7a1610g",
                      "6cee89e3_d6e1-4d23-be82-729cd7a1610e", "6cee89e3-d6e1-4d23-be82-729cd7a1610e0", " 6cee89e3-d6e1-4d23-be82-729cd7a1610"])
    func itRefusesWhatIsNotAUUID(text: String) {  // stricter than Foundation, whose sscanf takes a leading space
        #expect(UUID(parsing: text) == nil)
    }
}
