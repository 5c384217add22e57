import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ServiceKit

/// A shape written member by member must come out byte for byte as its `Codable` conformance does
/// through `ContractJSONWriter`, which in turn is held to Foundation's encoder.
@Suite struct ContractJSONOutputTests {
    struct Entry: Codable, ContractJSONWritable {
        var name: String
        var count: Int
        var seenAt: Date

        func write(to json: inout ContractJSONOutput) {
            json.beginObject()
            json.field("name", name)
            json.field("count", count)
            json.field("seen_at", seenAt)
            json.endObject()
        }
    }

    static func written(_ value: some ContractJSONWritable) -> String {
        var json = ContractJSONOutput()
        value.write(to: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func streamed(_ value: some Encodable) throws -> String {
        String(decoding: try ContractJSONWriter.encode(value), as: UTF8.self)
    }

    @Test(arguments: [
        [],
        [Entry(name: "plain", count: 0, seenAt: Date(timeIntervalSince1970: 0))],
        [Entry(name: "quote \" backslash \\ newline \n tab \t bell \u{07} Zoë 🚀", count: -42, seenAt: Date(timeIntervalSince1970: 1_795_341_845.1234)),
         Entry(name: "", count: Int.max, seenAt: Date(timeIntervalSince1970: -1.5))],
    ])
    func aPageIsWrittenAsItsCodableConformanceWritesIt(entries: [Entry]) throws {
        for cursor in [nil, "opaque-cursor"] {
            let page = Page(items: entries, nextCursor: cursor)
            #expect(Self.written(page) == (try Self.streamed(page)))
        }
    }

    /// JSON's escapes, one scalar at a time: what `appendString`, which skips eight bytes at a time
    /// where none needs an escape, must write.
    static func escapedOneByOne(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += #"\""#
            case "\\": escaped += #"\\"#
            case "\u{08}": escaped += #"\b"#
            case "\u{0C}": escaped += #"\f"#
            case "\n": escaped += #"\n"#
            case "\r": escaped += #"\r"#
            case "\t": escaped += #"\t"#
            case _ where scalar.value < 0x20: escaped += String(format: #"\u%04x"#, scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    @Test func textIsEscapedWhereverItsSpecialCharactersFall() throws {
        var generator = SystemRandomNumberGenerator()
        // Every character that needs an escape, and its neighbours that do not (a space, `!`, `#`, `[`, `]`, DEL, multi-byte ones).
        let special: [Unicode.Scalar] = (0..<0x20).compactMap(Unicode.Scalar.init) + ["\"", "\\", " ", "!", "#", "[", "]", "\u{7F}", "é", "😀", "\u{2028}"]
        let plain: [Unicode.Scalar] = Array("abcdefghijklmnopqrstuvwxyz0123456789 .,".unicodeScalars)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<70, using: &generator)
            let scalars = (0..<length).map { _ in
                Int.random(in: 0..<8, using: &generator) == 0 ? special.randomElement(using: &generator)! : plain.randomElement(using: &generator)!
            }
            let text = String(String.UnicodeScalarView(scalars))
            var bytes: [UInt8] = []
            ContractJSONOutput.appendString(text, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == Self.escapedOneByOne(text), "\(text.debugDescription)")
            #expect(try JSONDecoder().decode(String.self, from: Data(bytes)) == text)
        }
    }

    @Test func theNextCursorIsNullOnTheLastPage() {
        #expect(Self.written(Page<Entry>(items: [], nextCursor: nil)) == #"{"items":[],"next_cursor":null}"#)
    }

    @Test func aResponseOfAWrittenShapeCarriesItsTypeAndLength() async throws {
        let router = Router()
        router.get("/page") { _, _ in
            Response.json(Page(items: [Entry(name: "a", count: 1, seenAt: Date(timeIntervalSince1970: 1))], nextCursor: nil), status: .accepted)
        }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/page", method: .get) { response in
                #expect(response.status == .accepted)
                #expect(String(buffer: response.body) == #"{"items":[{"name":"a","count":1,"seen_at":"1970-01-01T00:00:01.000Z"}],"next_cursor":null}"#)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.contentLength] == String(response.body.readableBytes))
            }
        }
    }
}
