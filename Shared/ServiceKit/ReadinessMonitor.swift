import Logging
import Prometheus
import ServiceLifecycle

/// Runs a service's readiness check every few seconds and exports it as `service_ready` (1 ready, 0 not),
/// so that an alert sees a service that answers its scrapes but cannot do its work (its database
/// unreachable, its revocation list not loaded). Logs each change.
public struct ReadinessMonitor: Service {
    let check: ReadinessCheck
    let gauge: Gauge
    let interval: Duration
    let logger: Logger

    public init(_ check: @escaping ReadinessCheck, metrics: ServiceMetrics, interval: Duration = .seconds(5), logger: Logger) {
        self.check = check
        // Made now, so that /metrics declares it (0) before the first check.
        self.gauge = metrics.registry.makeGauge(descriptor: .named("service_ready", help: "1 when the service's readiness check passes (its /readyz), 0 when not"))
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var wasReady: Bool?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let ready: Bool
            do {
                _ = try await check()
                ready = true
            } catch {
                ready = false
                if wasReady != false { logger.warning("Not ready", metadata: ["error": "\(error)"]) }
            }
            if ready, wasReady == false { logger.info("Ready again") }
            wasReady = ready
            gauge.set(to: ready ? 1.0 : 0.0)
            do {
                try await sleepUnlessShuttingDown(for: interval)
            } catch {
                return
            }
        }
    }
}
