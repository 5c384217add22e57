import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing

@testable import BlogService

@Suite struct OptimisticConcurrencyTests {
    let harness = BlogTestHarness()

    @Test func aStaleIfMatchIs412AndChangesNothing() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let post = try await client.createPost(token: token, title: "Original")
            let path = "/v1/posts/\(post.id)"
            let first = try await client.send(.patch, path, token: token, body: json(["title": "First edit"]), headers: [.ifMatch: "\"1\""])
            #expect(first.status == .ok)
            #expect(first.headers[.eTag] == "\"2\"")

            let stale = try await client.send(.patch, path, token: token, body: json(["title": "Lost update"]), headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.error?.code == .preconditionFailed)
            let current = try await client.send(.get, path, token: token)
            #expect(try current.decode(PostResponse.self).title == "First edit")
            #expect(current.headers[.eTag] == "\"2\"", "the version did not move")

            #expect(try await client.send(.patch, path, token: token, body: json(["title": "x"]), headers: [.ifMatch: "W/\"2\""]).status == .preconditionFailed, "a weak tag never matches")
            #expect(try await client.send(.patch, path, token: token, body: json(["title": "Any"]), headers: [.ifMatch: "*"]).status == .ok)
            #expect(try await client.send(.patch, path, token: token, body: json(["title": "Listed"]), headers: [.ifMatch: "\"9\", \"3\""]).status == .ok)
            #expect(try await client.send(.delete, path, token: token, headers: [.ifMatch: "\"3\""]).status == .preconditionFailed)
            #expect(try await client.send(.delete, path, token: token, headers: [.ifMatch: "\"4\""]).status == .noContent)
        }
    }

    /// Concurrent edits with the same If-Match: exactly one wins, the others are 412.
    @Test func concurrentEditsWithOneETagHaveOneWinner() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let post = try await client.createPost(token: token)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json(["title": "Edit \(index)"]), headers: [.ifMatch: "\"1\""]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .preconditionFailed }.count == 7)
            let final = try await client.send(.get, "/v1/posts/\(post.id)", token: token)
            #expect(final.headers[.eTag] == "\"2\"")
        }
    }

    /// Without If-Match concurrent edits all land, one after another.
    @Test func concurrentEditsWithoutIfMatchAllApply() async throws {
        let token = try await harness.token(harness.identity())
        try await harness.test { client in
            let post = try await client.createPost(token: token)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let status = try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json(["content": "Edit \(index)"])).status
                        #expect(status == .ok)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send(.get, "/v1/posts/\(post.id)", token: token).headers[.eTag] == "\"5\"")
        }
    }
}
