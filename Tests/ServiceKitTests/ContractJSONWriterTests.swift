import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ServiceKit

/// The streaming writer must write what Foundation's encoder, configured as the contract says, writes:
/// the same JSON value for every shape and every string, whatever the key order.
@Suite struct ContractJSONWriterTests {
    struct Author: Codable {
        let userId: String
        let displayName: String?
    }

    struct Everything: Codable {
        let title: String
        let createdAt: Date
        let count: Int
        let sequence: Int64
        let ratio: Double
        let whole: Double
        let published: Bool
        let missing: String?
        let author: Author
        let tags: [String]
        let nested: [[Int]]
        let authors: [Author]
        let emptyList: [Int]
        let byName: [String: Int]
        let myURLProperty: String
        let p99Ms: Double
        let HTTPStatus: Int
        let _leading: Int
        let trailing_: Int
    }

    /// Both encoders' output, as values JSONSerialization can compare.
    static func bothWays(_ value: some Encodable) throws -> (streamed: NSObject, foundation: NSObject) {
        let streamed = try ContractJSONWriter.encode(value)
        let foundation = try ContractJSON.makeEncoder().encode(value)
        return (
            try #require(JSONSerialization.jsonObject(with: Data(streamed), options: [.fragmentsAllowed]) as? NSObject),
            try #require(JSONSerialization.jsonObject(with: foundation, options: [.fragmentsAllowed]) as? NSObject)
        )
    }

    static let everything = Everything(
        title: "A \"quoted\" title / with a slash\\", createdAt: Date(timeIntervalSince1970: 1_795_341_845.1234), count: -42,
        sequence: Int64.max, ratio: 3.25, whole: 1, published: true, missing: nil,
        author: Author(userId: "6cee89e3-d6e1-4d23-be82-729cd7a1610e", displayName: "Zoë 🚀"),
        tags: ["a", "", "tab\there"], nested: [[1, 2], [], [Int.min]], authors: [Author(userId: "x", displayName: nil)],
        emptyList: [], byName: ["alpha": 1, "beta": 2], myURLProperty: "u", p99Ms: 1e-7, HTTPStatus: 200, _leading: 1, trailing_: 2)

    @Test func everyShapeComesOutAsFoundationWritesIt() throws {
        let (streamed, foundation) = try Self.bothWays(Self.everything)
        #expect(streamed == foundation)
    }

    @Test func keysAreSnakeCasedAsFoundationDoes() throws {
        let text = String(decoding: try ContractJSONWriter.encode(Self.everything), as: UTF8.self)
        for key in ["\"created_at\"", "\"user_id\"", "\"display_name\"", "\"my_url_property\"", "\"p99_ms\"", "\"h_ttp_status\"" /* Foundation's answer too */,
                    "\"_leading\"", "\"trailing_\"", "\"empty_list\"", "\"by_name\""] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        // Keys in the order the type declares them, and nil optionals left out as Foundation leaves them.
        #expect(text.hasPrefix(#"{"title":"A \"quoted\" title / with a slash\\","created_at":"2026-11-22T10:04:05.123Z","count":-42,"#))
        #expect(!text.contains("missing"))
    }

    @Test func everyStringSurvivesAsFoundationEscapesIt() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = (0..<0x80).compactMap(Unicode.Scalar.init) + ["é", "\u{2028}", "\u{FEFF}", "😀", "中"]
        for _ in 0..<500 {
            let length = Int.random(in: 0..<40, using: &generator)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
            let (streamed, foundation) = try Self.bothWays([text])
            #expect(streamed == foundation, "\(text.debugDescription)")
            let decoded = try JSONDecoder().decode([String].self, from: Data(try ContractJSONWriter.encode([text])))
            #expect(decoded == [text])
        }
    }

    @Test func numbersAndTimesAsFoundationWritesThem() throws {
        for double in [0.0, -0.0, 1, 3.25, 0.1, 1e21, 1e-7, 123_456_789.125, -2.5e-300, Double.greatestFiniteMagnitude] {
            let streamed = String(decoding: try ContractJSONWriter.encode([double]), as: UTF8.self)
            let foundation = String(decoding: try ContractJSON.makeEncoder().encode([double]), as: UTF8.self)
            #expect(streamed == foundation)
        }
        #expect(throws: EncodingError.self) { try ContractJSONWriter.encode([Double.nan]) }
        for integer in [0, 7, -7, Int.max, Int.min] {
            #expect(String(decoding: try ContractJSONWriter.encode([integer]), as: UTF8.self) == "[\(integer)]")
        }
    }

    /// The C library's calendar, as `Timestamp.format` used it before it wrote bytes itself.
    static func calendarFormat(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = milliseconds - Int64(seconds) * 1000
        var fields = tm()
        gmtime_r(&seconds, &fields)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", fields.tm_year + 1900, fields.tm_mon + 1, fields.tm_mday,
                      fields.tm_hour, fields.tm_min, fields.tm_sec, Int32(fraction))
    }

    @Test func timestampsMatchTheCalendarForEveryMillisecondTried() {
        var generator = SystemRandomNumberGenerator()
        // 1900 to 2200, and the edges of days, leap days, years and the epoch.
        var milliseconds: [Int64] = [0, -1, 1, 999, -999, -1000, -1001, 86_399_999, 951_782_400_000, 951_868_799_999,
                                     4_107_542_399_999, -2_208_988_800_000]
        for _ in 0..<5_000 { milliseconds.append(Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)) }
        for value in milliseconds {
            let date = Date(timeIntervalSince1970: Double(value) / 1000)
            #expect(Timestamp.format(date) == Self.calendarFormat(milliseconds: value), "\(value)")
        }
    }

    /// A container written after a later sibling was started cannot be streamed: the writer refuses,
    /// and `Response.json` answers with Foundation's encoding instead.
    struct Interleaved: Encodable {
        enum Keys: String, CodingKey { case first, second, late }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var first = container.nestedContainer(keyedBy: Keys.self, forKey: .first)
            try container.encode(1, forKey: .second)
            try first.encode(2, forKey: .late)
        }
    }

    @Test func whatCannotBeStreamedIsEncodedByFoundation() async throws {
        #expect(throws: ContractJSONWriter.Unsupported.self) { try ContractJSONWriter.encode(Interleaved()) }
        let router = Router()
        router.get("/interleaved") { _, _ in try Response.json(Interleaved()) }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/interleaved", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"first":{"late":2},"second":1}"#)
                #expect(response.headers[.contentLength] == String(response.body.readableBytes))
            }
        }
    }

    /// A value encoding its keyed container twice (a class and its superclass) writes one object.
    final class Derived: Base, @unchecked Sendable {
        let extra = "e"
        enum Keys: String, CodingKey { case extra }
        override func encode(to encoder: any Encoder) throws {
            try super.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(extra, forKey: .extra)
        }
    }

    class Base: Encodable, @unchecked Sendable {
        let baseValue = 1
    }

    @Test func twoContainersOfOneValueAreOneObject() throws {
        let (streamed, foundation) = try Self.bothWays([Derived()])
        #expect(streamed == foundation)
        #expect(String(decoding: try ContractJSONWriter.encode(Derived()), as: UTF8.self) == #"{"base_value":1,"extra":"e"}"#)
    }
}
