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
        try? await cancelWhenGracefulShutdown { await body() }
        do {
            try await sleepUnlessShuttingDown(for: interval)
        } catch {
            return
        }
    }
}
