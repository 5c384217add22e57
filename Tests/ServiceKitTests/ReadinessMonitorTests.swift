import Logging
import ServiceKit
import Synchronization
import Testing

/// `service_ready` follows the readiness check: 0 while it fails, 1 once it passes.
@Suite struct ReadinessMonitorTests {
    struct NoDatabase: Error {}

    @Test func theGaugeFollowsTheCheck() async throws {
        let metrics = ServiceMetrics()
        let ready = Mutex(false)
        let monitor = ReadinessMonitor(
            { if !ready.withLock({ $0 }) { throw NoDatabase() }; return 1 }, metrics: metrics, interval: .milliseconds(10),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        func value() -> String? {
            metrics.render().split(separator: "\n").first { $0.hasPrefix("service_ready ") }.map { String($0.dropFirst("service_ready ".count)) }
        }
        #expect(value() == "0.0", "declared before the first check")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await monitor.run() }
            defer { group.cancelAll() }
            try await Task.sleep(for: .milliseconds(50))
            #expect(value() == "0.0")
            ready.withLock { $0 = true }
            for _ in 0..<100 where value() != "1.0" { try await Task.sleep(for: .milliseconds(10)) }
            #expect(value() == "1.0")
            ready.withLock { $0 = false }
            for _ in 0..<100 where value() != "0.0" { try await Task.sleep(for: .milliseconds(10)) }
            #expect(value() == "0.0")
        }
    }
}
