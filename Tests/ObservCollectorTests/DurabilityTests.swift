import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import ServiceKit
import ServiceTestSupport
import Synchronization
import Testing

@testable import ObservCollector

@Suite struct DurabilityTests {
    /// Many concurrent ingest requests; the collector is stopped and opened again on the same file:
    /// every event of every request that got a 202 is there, exactly once.
    @Test func everyAcknowledgedEventSurvivesARestartExactlyOnce() async throws {
        let harness = CollectorTestHarness()
        let senders = 16
        let requestsPerSender = 10
        let eventsPerRequest = 50
        let acknowledged = try await harness.test { client in
            try await withThrowingTaskGroup(of: [String].self) { group in
                for sender in 0..<senders {
                    group.addTask {
                        var acked: [String] = []
                        for request in 0..<requestsPerSender {
                            let prefix = "s\(sender)-r\(request)-"
                            let events = (0..<eventsPerRequest).map { requestEvent(tenant: harness.acme, requestID: prefix + "\($0)") }
                            if try await client.ingest(events).status == .accepted {
                                acked += (0..<eventsPerRequest).map { prefix + "\($0)" }
                            }
                        }
                        return acked
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(acknowledged.count == senders * requestsPerSender * eventsPerRequest)

        // A new collector on the same file.
        try await harness.test { client in
            let ready = try await client.send(.get, "/readyz").status
            #expect(ready == .ok)
        }
        let database = try openSQLiteDatabase(path: harness.databasePath)
        let counts = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT request_id, COUNT(*) AS n FROM events GROUP BY request_id")
                .map { ($0["request_id"] as String, $0["n"] as Int) }
        }
        let stored = Dictionary(uniqueKeysWithValues: counts)
        #expect(stored.count == acknowledged.count)
        #expect(acknowledged.allSatisfy { stored[$0] == 1 }, "each acknowledged event once")
    }
}
