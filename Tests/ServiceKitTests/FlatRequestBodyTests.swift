import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceTestSupport
import Testing

@testable import ServiceKit

/// A flat body is read from its bytes when plainly valid and by `JSONDecoder` otherwise: the two read
/// the same, and the answers to invalid bodies are the decoder's.
@Suite struct FlatRequestBodyTests {
    struct Note: FlatRequestBody, Equatable {
        enum Kind: String, Codable { case short, long }
        var authorName: String
        var kind: Kind
        var tag: String?
        var size: Kind?

        enum CodingKeys: CodingKey, CaseIterable { case authorName, kind, tag, size }

        init(authorName: String, kind: Kind, tag: String?, size: Kind?) {
            (self.authorName, self.kind, self.tag, self.size) = (authorName, kind, tag, size)
        }

        init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
            authorName = try members.text("author_name")
            kind = try members.value("kind", as: Kind.self)
            tag = members.optionalText("tag")
            size = try members.optionalValue("size", as: Kind.self)
        }
    }

    static let members = [
        "author_name": [String](), "tag": [],
        "kind": [#""short""#, #""long""#, #""Short""#, #""\u0073hort""#], "size": [#""short""#, #""huge""#],
    ]

    @Test func whatIsReadFromTheBytesIsWhatJSONDecoderReads() {
        let outcome = FlatRequestBodyCheck.run(Note.self, members: Self.members)
        #expect(outcome.disagreements.isEmpty, "\(outcome.disagreements.prefix(5))")
        // The common case is read from the bytes, not left to JSONDecoder.
        #expect(outcome.read > 200, "read \(outcome.read), decoded \(outcome.decoded)")
    }

    @Test func aMemberNameMisspeltInTheReaderIsFound() {
        struct Misspelt: FlatRequestBody {
            var authorName: String
            enum CodingKeys: CodingKey, CaseIterable { case authorName }
            init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) { authorName = try members.text("authorName") }
        }
        #expect(!FlatRequestBodyCheck.run(Misspelt.self, members: ["author_name": []], count: 50).disagreements.isEmpty)
    }

    /// Any byte of a valid body changed: read as `JSONDecoder` reads it, or left to it.
    @Test func aBodyWithAByteChangedIsReadAsJSONDecoderReadsItOrLeftToIt() {
        let body = Array(#"{"author_name":"a \"b\" \u00e9","kind":"long","tag":null,"size":"short"}"#.utf8)
        #expect(body.withUnsafeBytes(Note.read) == Note(authorName: "a \"b\" é", kind: .long, tag: nil, size: .short))
        let table = Array(#"{}[]":,0123456789.eE-+ntrufalse\ "#.utf8) + [0x00, 0x0A, 0x7F, 0xC3, 0xA9, 0xFF]
        var random = SeededGenerator(state: 0xB0D7)
        for _ in 0..<3_000 {
            var bytes = body
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = table.randomElement(using: &random)!
            }
            guard let fast = bytes.withUnsafeBytes(Note.read) else { continue }
            #expect(fast == (try? ContractJSON.makeDecoder().decode(Note.self, from: Data(bytes))), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// Through the contract's request decoder: a valid body is the value it spells; an invalid one gets
    /// the decoder's answer, naming the field.
    @Test func invalidFlatBodiesGetTheDecodersAnswers() async throws {
        let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: ServiceMetrics(), readiness: { 1 })
        router.post("/notes") { request, context in
            let note = try await request.decode(as: Note.self, context: context)
            return "\(note.authorName)|\(note.kind)|\(note.tag ?? "-")|\(note.size.map { "\($0)" } ?? "-")"
        }
        let cases: [(body: String, answer: String)] = [
            (#"{"author_name":"ann","kind":"short"}"#, "ann|short|-|-"),
            (#" {"size":null,"tag":"t\n","kind":"long","author_name":""} "#, "|long|t\n|-"),
            (#"{"author_name":"ann","kind":"short","colour":"red"}"#, "colour: is not a known field"),
            (#"{"author_name":null,"kind":"short"}"#, "author_name: must not be null"),
            (#"{"kind":"short"}"#, "author_name: is required"),
            (#"{"author_name":1,"kind":"short"}"#, "author_name: must be a string"),
            (#"{"author_name":"ann","kind":"huge"}"#, "kind: has an invalid value"),
            (#"{"author_name":"ann","kind":"short","size":"huge"}"#, "size: has an invalid value"),
        ]
        try await Application(router: router).test(.router) { client in
            for (body, answer) in cases {
                let response = try await client.execute(
                    uri: "/notes", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
                if response.status == .ok {
                    #expect(String(buffer: response.body) == answer, "\(body)")
                } else {
                    let error = try ContractJSON.makeDecoder().decode(ErrorBody.self, from: response.body)
                    #expect(response.status == .badRequest && error.error.details?.map { "\($0.field): \($0.message)" } == [answer], "\(body)")
                }
            }
        }
    }
}
