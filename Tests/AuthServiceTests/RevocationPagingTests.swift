import Foundation
import GRDB
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// Finding 9 of the hardening issue: a revocation list that a tenant can grow without bound must stay
/// usable. The list comes in pages of what changed since a cursor, and verifiers fetch only that.
@Suite struct RevocationPagingTests {
    /// Cuts off `count` made-up users straight in the database, as thousands of role flips would.
    func cutOff(_ count: Int, in harness: AuthTestHarness) async throws -> [UUID] {
        let revocations = SQLiteAuthStore(try openSQLiteDatabase(path: harness.databasePath)).repositories.revocations
        let users = (0..<count).map { _ in UUID() }
        let notBefore = Int(harness.clock.now.timeIntervalSince1970) + 1
        for user in users {
            try await revocations.record(userID: user, notBefore: notBefore)
        }
        return users
    }

    func page(_ client: any TestClientProtocol, _ query: String = "") async throws -> RevocationDocument {
        let response = try await client.send(.get, "/.well-known/revocations" + query)
        #expect(response.status == .ok, "\(response.text)")
        return try JSONDecoder().decode(RevocationDocument.self, from: response.body)
    }

    @Test func theListComesInPagesOfWhatChangedSinceACursor() async throws {
        let harness = AuthTestHarness()
        try await harness.test { _ in }
        let first = try await cutOff(5, in: harness)
        try await harness.test { client in
            var seen: [String] = []
            var document = try await page(client, "?limit=2")
            #expect(document.full == true)
            #expect(document.horizonSeconds == harness.configuration.accessTokenHorizonSeconds)
            seen += document.revoked.map(\.sub)
            while document.hasMore == true {
                document = try await page(client, "?limit=2&since=\(document.cursor!)")
                #expect(document.full == false)
                seen += document.revoked.map(\.sub)
            }
            #expect(seen == first.map(\.lowercasedString), "each once, in the order they were made")
            let cursor = try #require(document.cursor)
            #expect(try await page(client, "?since=\(cursor)").revoked.isEmpty)

            let later = try await cutOff(1, in: harness)
            let delta = try await page(client, "?since=\(cursor)")
            #expect(delta.revoked.map(\.sub) == later.map(\.lowercasedString), "only what is new")

            // A cursor from another database starts again from the beginning.
            let restart = try await page(client, "?since=999999")
            #expect(restart.full == true)
            #expect(restart.revoked.count == 6)
            #expect(try await client.send(.get, "/.well-known/revocations?since=abc").status == .badRequest)
            #expect(try await client.send(.get, "/.well-known/revocations?limit=1001").status == .badRequest)
        }
    }

    /// A verifier follows the pages: thousands of cut-offs, more than one page, all enforced, and the
    /// next poll fetches only what was added.
    @Test func aVerifierKeepsUpWithAListOfThousands() async throws {
        let harness = AuthTestHarness()
        try await harness.test { _ in }
        let users = try await cutOff(2_500, in: harness)
        try await harness.testLive { _, base in
            let poller = RevocationPoller(settings: .init(url: base.appendingPathComponent(".well-known/revocations")), logger: quietLogger)
            await poller.poll()
            #expect(poller.count == 2_500)
            #expect(users.allSatisfy { poller.notBefore(subject: $0.lowercasedString) != nil })
            #expect(poller.stalenessWarning == nil)
            let more = try await cutOff(3, in: harness)
            await poller.poll()
            #expect(poller.count == 2_503)
            #expect(more.allSatisfy { poller.notBefore(subject: $0.lowercasedString) != nil })
        }
    }
}
