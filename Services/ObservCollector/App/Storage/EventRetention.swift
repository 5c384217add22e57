import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Deletes events older than `RETENTION_DAYS`, every `interval`, in chunks of `chunkSize` with a pause
/// between them, so that each delete is a short transaction and ingest commits go in between; and the
/// batch keys past their window and the statistics' rollups past the longest window.
struct EventRetention: Service {
    let store: any EventStore
    var quota: (any IngestQuota)? = nil
    let days: Int
    let interval: Duration
    let chunkSize: Int
    let pause: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    /// Deletes everything past retention; returns how many events.
    @discardableResult
    func purge() async throws -> Int {
        let cutoff = now().addingTimeInterval(-Double(days) * 86_400)
        var total = 0
        while true {
            let deleted = try await store.deleteReceived(before: cutoff, limit: chunkSize)
            total += deleted
            if deleted < chunkSize { break }
            try await Task.sleep(for: pause)
        }
        if total > 0 { logger.info("Deleted events past retention", metadata: ["events": "\(total)", "days": "\(days)"]) }
        // The batch keys' window is a day, whatever the events' retention; the rollups serve a day's statistics.
        try await store.deleteBatchKeys(receivedBefore: now().addingTimeInterval(-IngestBatchKey.window))
        try await store.deleteRollups(before: now().addingTimeInterval(-Double(RequestRollup.keptMilliseconds) / 1000))
        _ = try await quota?.forgetRefilled(at: now())
        return total
    }

    func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "Retention purge failed; will try again") { [self] in
            try await purge()
        }
    }
}
