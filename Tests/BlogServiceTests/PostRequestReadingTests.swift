import ServiceTestSupport
import Testing

@testable import BlogService

/// The post bodies read from their bytes read as `JSONDecoder` reads them (`FlatRequestBodyCheck`).
@Suite struct PostRequestReadingTests {
    static let members = ["title": [String](), "content": [], "status": [#""draft""#, #""published""#, #""Draft""#, #""archived""#]]

    @Test func aCreateIsReadAsJSONDecoderReadsIt() {
        let outcome = FlatRequestBodyCheck.run(CreatePostRequest.self, members: Self.members)
        #expect(outcome.disagreements.isEmpty, "\(outcome.disagreements.prefix(5))")
        #expect(outcome.read > 200, "read \(outcome.read), decoded \(outcome.decoded)")
    }

    @Test func anUpdateIsReadAsJSONDecoderReadsIt() {
        let outcome = FlatRequestBodyCheck.run(UpdatePostRequest.self, members: Self.members)
        #expect(outcome.disagreements.isEmpty, "\(outcome.disagreements.prefix(5))")
        #expect(outcome.read > 200, "read \(outcome.read), decoded \(outcome.decoded)")
    }
}
