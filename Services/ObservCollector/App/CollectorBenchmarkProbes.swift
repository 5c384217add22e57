import DatabaseKit
import Foundation
import GRDB
import NIOCore
import ServiceKit

/// The collector's hot paths, callable from the micro-benchmark harness (`Benchmarks/Micro`), which
/// is built in release mode and so cannot reach internal types.
public enum CollectorBenchmarkProbes {
    /// Decodes and validates an ingest body (`{"events": [...]}`) as `POST /v1/events` does; returns the event count.
    public static func decodeAndValidate(_ body: Data, service: String) throws -> Int {
        let events = try IngestBatchReader.events(in: ByteBuffer(bytes: body), ndjson: false)
        let now = Date()
        var valid = 0
        for (index, event) in events.enumerated() {
            if case .success = event.validated(index: index, keyService: service, receivedAt: now) { valid += 1 }
        }
        return valid
    }

    /// A store on a new SQLite file, and a writer of batches of `count` realistic events into it.
    public static func bulkInserter(path: String, count: Int) throws -> @Sendable () async throws -> Void {
        let store = SQLiteEventStore(database: try openSQLiteDatabase(path: path))
        let tenant = UUID()
        // Fresh request ids each call, time-ordered as the services make them (`UUID.version7`).
        return {
            let events = (0..<count).map { _ in
                StoredEvent(
                    type: .request, ts: Date(), receivedAt: Date(), service: "blog-service", tenantID: tenant, userID: UUID(),
                    requestID: UUID.version7().lowercasedString, method: "GET", path: "/v1/posts/\(UUID().lowercasedString)",
                    route: "/v1/posts/{id}", status: 200, durationMs: 3.25, clientIP: "203.0.113.7", userAgent: "curl/8.5.0")
            }
            try await store.insert(events)
        }
    }
}
