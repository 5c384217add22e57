import Foundation
import ServiceKit
import Testing

@testable import BlogService

/// A post and a page of posts, written member by member, are byte for byte what their `Codable`
/// conformances write: a field added to `PostResponse` and not to its `write(to:)` fails here.
@Suite struct PostResponseJSONTests {
    static let posts = [
        Post(id: UUID(), tenantID: UUID(), authorID: UUID(), title: "A \"quoted\" title\\", content: "Line one\nline two\ttabbed \u{01} Zoë 🚀",
             status: .draft, version: 3, createdAt: Date(timeIntervalSince1970: 1_795_341_845.1234), updatedAt: Date(timeIntervalSince1970: 1_795_341_900)),
        Post(id: UUID(), tenantID: UUID(), authorID: UUID(), title: "t", content: "", status: .published, version: 1,
             createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)),
    ]

    static func written(_ value: some ContractJSONWritable) -> String {
        var json = ContractJSONOutput()
        value.write(to: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    @Test func aPostIsWrittenAsItsCodableConformanceWritesIt() throws {
        for post in Self.posts.map(PostResponse.init) {
            #expect(Self.written(post) == String(decoding: try ContractJSONWriter.encode(post), as: UTF8.self))
        }
    }

    @Test func aPageOfPostsIsWrittenAsItsCodableConformanceWritesIt() throws {
        let page = Page(items: Self.posts.map(PostResponse.init), nextCursor: "cursor")
        #expect(Self.written(page) == String(decoding: try ContractJSONWriter.encode(page), as: UTF8.self))
    }
}
