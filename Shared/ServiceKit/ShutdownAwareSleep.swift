import Logging
import ServiceLifecycle

/// Sleeps for `duration`, or throws as soon as the service is told to shut down gracefully (or cancelled).
public func sleepUnlessShuttingDown(for duration: Duration) async throws {
    try await cancelWhenGracefulShutdown {
        try await Task.sleep(for: duration)
    }
}

/// Runs `body` now and then every `interval`, until graceful shutdown or cancellation: the loop of a
/// background `Service` such as a poller or a purge. A shutdown cancels a `body` that is running, so
/// that a slow fetch or purge does not hold the process up.
public func repeatUntilShutdown(every interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
        await cancelWhenGracefulShutdown { await body() }
        do {
            try await sleepUnlessShuttingDown(for: interval)
        } catch {
            return
        }
    }
}

/// `repeatUntilShutdown` for work that can fail: a failure is logged as a warning (`failure`, with the
/// error) and the work is tried again at the next interval. A cancellation by the shutdown is not a failure.
public func repeatUntilShutdown(
    every interval: Duration, logger: Logger, failure: Logger.Message, _ body: @escaping @Sendable () async throws -> Void
) async {
    await repeatUntilShutdown(every: interval) {
        do {
            try await body()
        } catch is CancellationError {
        } catch {
            logger.warning(failure, metadata: ["error": "\(error)"])
        }
    }
}
