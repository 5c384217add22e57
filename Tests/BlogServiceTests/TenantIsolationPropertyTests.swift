import Foundation
import HTTPTypes
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import BlogService

/// Tenant isolation as a property: a random sequence of operations by users of three tenants in every
/// role (create, read, list with and without filters, search, update, delete) is checked, answer by
/// answer, against a model of who may see and change what, written from the contract alone: never
/// another tenant's post, never a draft to a plain user who did not write it, never a change by
/// someone who may not make it. `ISOLATION_SEED` replays a run; `ISOLATION_OPERATIONS` sets its length.
@Suite struct TenantIsolationPropertyTests {
    /// A post as the model knows it.
    struct ModelPost {
        let id: String
        let tenant: UUID
        let author: UUID
        var title: String
        var status: String
    }

    /// The contract's rules, independent of the service's code.
    static func maySee(_ post: ModelPost, _ actor: TestIdentity) -> Bool {
        post.tenant == actor.tenantID && (post.status == "published" || post.author == actor.userID || actor.role != .user)
    }

    static func mayChange(_ post: ModelPost, _ actor: TestIdentity) -> Bool {
        maySee(post, actor) && (post.author == actor.userID || actor.role != .user)
    }

    @Test func noOperationEverShowsOrChangesWhatItsCallerMayNot() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["ISOLATION_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let operations = environment["ISOLATION_OPERATIONS"].flatMap(Int.init) ?? 600
        let harness = BlogTestHarness()
        let tenants = [harness.acme, harness.globex, UUID()]
        let actors = tenants.flatMap { tenant in
            [Role.admin, .moderator, .user, .user].map { TestIdentity(tenantID: tenant, role: $0) }
        }
        var tokens: [TestIdentity: String] = [:]
        for actor in actors { tokens[actor] = try await harness.token(actor) }
        let tokensByActor = tokens

        let checked = try await harness.test { client in
            var random = SeededGenerator(state: seed)
            var posts: [ModelPost] = []
            var counts: [String: Int] = [:]
            func fail(_ what: String) { Issue.record("seed \(seed), operation \(counts.values.reduce(0, +)): \(what)") }

            for _ in 0..<operations {
                let actor = actors.randomElement(using: &random)!
                let token = tokensByActor[actor]!
                let target = posts.isEmpty ? nil : posts.indices.randomElement(using: &random)
                switch (Int.random(in: 0..<10, using: &random), target) {
                case (0..<3, _), (_, nil):
                    let status = Bool.random(using: &random) ? "draft" : "published"
                    let title = "p\(posts.count) \(status)"
                    let response = try await client.send(.post, "/v1/posts", token: token, body: json(["title": title, "content": "c", "status": status]))
                    counts["create", default: 0] += 1
                    guard response.status == .created, let id = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["id"] as? String else {
                        fail("create answered \(response.status)")
                        continue
                    }
                    posts.append(ModelPost(id: id, tenant: actor.tenantID, author: actor.userID, title: title, status: status))
                case (3..<5, let index?):
                    let post = posts[index]
                    let response = try await client.send(.get, "/v1/posts/\(post.id)", token: token)
                    counts["read", default: 0] += 1
                    let expected: HTTPResponse.Status = Self.maySee(post, actor) ? .ok : .notFound
                    if response.status != expected { fail("read of \(post) by \(actor): \(response.status), expected \(expected)") }
                case (5..<7, _):
                    var query = "limit=100"
                    let status = ["draft", "published", nil].randomElement(using: &random)!
                    if let status { query += "&status=\(status)" }
                    let search = Bool.random(using: &random) ? "p\(Int.random(in: 0..<10, using: &random))" : nil
                    if let search { query += "&q=\(search)" }
                    // Every page, following the cursor.
                    var listed = Set<String>()
                    var cursor: String?
                    var response: TestResponse
                    repeat {
                        response = try await client.send(.get, "/v1/posts?\(query)" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                        let page = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
                        listed.formUnion((page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                        cursor = page["next_cursor"] as? String
                    } while cursor != nil && response.status == .ok
                    counts["list", default: 0] += 1
                    let expected = Set(posts.filter { post in
                        Self.maySee(post, actor) && (status.map { post.status == $0 } ?? true) && (search.map { post.title.contains($0) } ?? true)
                    }.map(\.id))
                    if response.status != .ok || listed != expected {
                        fail("list ?\(query) by \(actor): \(listed.subtracting(expected).count) shown that may not be, \(expected.subtracting(listed).count) missing")
                    }
                case (7..<9, let index?):
                    let post = posts[index]
                    let status = Bool.random(using: &random) ? "draft" : "published"
                    let response = try await client.send(.patch, "/v1/posts/\(post.id)", token: token, body: json(["status": status]))
                    counts["update", default: 0] += 1
                    let expected: HTTPResponse.Status = !Self.maySee(post, actor) ? .notFound : Self.mayChange(post, actor) ? .ok : .forbidden
                    if response.status != expected { fail("update of \(post) by \(actor): \(response.status), expected \(expected)") }
                    if response.status == .ok { posts[index].status = status }
                case (_, let index?):
                    let post = posts[index]
                    let response = try await client.send(.delete, "/v1/posts/\(post.id)", token: token)
                    counts["delete", default: 0] += 1
                    let expected: HTTPResponse.Status = !Self.maySee(post, actor) ? .notFound : Self.mayChange(post, actor) ? .noContent : .forbidden
                    if response.status != expected { fail("delete of \(post) by \(actor): \(response.status), expected \(expected)") }
                    if response.status == .noContent { posts.remove(at: index) }
                }
            }
            return counts
        }
        print("isolation: \(operations) operations (seed \(seed)): \(checked.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
    }
}
