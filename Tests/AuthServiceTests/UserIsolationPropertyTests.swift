import Foundation
import HTTPTypes
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// Tenant isolation of users as a property: random reads, lists (every page, with and without a role
/// filter) and renames by the admins, moderators and users of three tenants, each answer checked
/// against a model written from the contract: a user is seen or changed by an admin of its tenant and
/// by itself, never by anyone of another tenant. `ISOLATION_SEED` replays a run.
@Suite struct UserIsolationPropertyTests {
    struct Member {
        let id: String
        let tenant: String
        let role: Role
        let token: String
    }

    @Test func noUserIsSeenOrChangedAcrossTenantsOrByOneWhoMayNot() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["ISOLATION_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let operations = environment["ISOLATION_OPERATIONS"].flatMap(Int.init) ?? 400
        let harness = AuthTestHarness()
        let counts = try await harness.test { client in
            var members: [Member] = []
            for slug in ["iso-a", "iso-b", "iso-c"] {
                let (tenant, admin, tokens) = try await client.adminSession(slug)
                members.append(Member(id: admin.id.lowercased(), tenant: tenant.id.lowercased(), role: .admin, token: tokens.accessToken))
                for (index, role) in [Role.moderator, .user, .user].enumerated() {
                    let (user, userTokens) = try await client.member(slug, adminToken: tokens.accessToken, email: "m\(index)@\(slug).test", role: role)
                    members.append(Member(id: user.id.lowercased(), tenant: tenant.id.lowercased(), role: role, token: userTokens.accessToken))
                }
            }
            var random = SeededGenerator(state: seed)
            var counts: [String: Int] = [:]
            func fail(_ what: String) { Issue.record("seed \(seed): \(what)") }

            for _ in 0..<operations {
                let actor = members.randomElement(using: &random)!
                let target = members.randomElement(using: &random)!
                let mayAct = actor.role == .admin || actor.id == target.id
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    let response = try await client.send(.get, "/v1/users/\(target.id)", token: actor.token)
                    counts["read", default: 0] += 1
                    let expected: HTTPResponse.Status = !mayAct ? .forbidden : actor.tenant != target.tenant ? .notFound : .ok
                    if response.status != expected { fail("read of \(target) by \(actor): \(response.status), expected \(expected)") }
                case 1:
                    let role = [Role.admin, .moderator, .user, nil].randomElement(using: &random)!
                    var listed = Set<String>()
                    var cursor: String?
                    var response: TestResponse
                    repeat {
                        let query = "limit=2" + (role.map { "&role=\($0.rawValue)" } ?? "") + (cursor.map { "&cursor=\($0)" } ?? "")
                        response = try await client.send(.get, "/v1/users?\(query)", token: actor.token)
                        let page = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
                        listed.formUnion((page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                        cursor = page["next_cursor"] as? String
                    } while cursor != nil && response.status == .ok
                    counts["list", default: 0] += 1
                    if actor.role != .admin {
                        if response.status != .forbidden { fail("list by \(actor): \(response.status), expected 403") }
                    } else {
                        let expected = Set(members.filter { member in member.tenant == actor.tenant && (role.map { member.role == $0 } ?? true) }.map(\.id))
                        if response.status != .ok || listed != expected { fail("list by \(actor): \(listed.subtracting(expected).count) shown that may not be, \(expected.subtracting(listed).count) missing") }
                    }
                default:
                    let response = try await client.send(.patch, "/v1/users/\(target.id)", token: actor.token, body: json(["name": "Renamed \(counts.count)"]))
                    counts["rename", default: 0] += 1
                    let expected: HTTPResponse.Status = !mayAct ? .forbidden : actor.tenant != target.tenant ? .notFound : .ok
                    if response.status != expected { fail("rename of \(target) by \(actor): \(response.status), expected \(expected)") }
                }
            }
            return counts
        }
        print("user isolation: \(operations) operations (seed \(seed)): \(counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
    }
}
