import Foundation
import Logging
import ServiceLifecycle
import ServiceKit
import Synchronization
import TokenVerification

/// The auth service's own view of the revocations, for the verifier of its protected routes: updated at
/// once by what this process revokes, and reloaded from the database every few seconds for what other
/// replicas revoke.
final class RevocationCache: RevocationChecker, Service {
    private let repository: any RevocationRepository
    private let horizonSeconds: Int
    private let interval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let notBefore = Mutex<[String: Int]>([:])
    private let loaded = Atomic(false)

    /// Whether the list was read from the database at least once: until then the service is not ready
    /// (a PostgreSQL that was down at start).
    var isLoaded: Bool { loaded.load(ordering: .acquiring) }

    init(repository: any RevocationRepository, horizonSeconds: Int, interval: Duration = .seconds(5), now: @escaping @Sendable () -> Date, logger: Logger) {
        self.repository = repository
        self.horizonSeconds = horizonSeconds
        self.interval = interval
        self.now = now
        self.logger = logger
    }

    func notBefore(subject: String) -> Int? {
        notBefore.withLock { $0[subject.lowercased()] }
    }

    /// Records a cut-off made by this process.
    func record(userID: UUID, notBefore value: Int) {
        let subject = userID.lowercasedString
        notBefore.withLock { entries in entries[subject] = max(entries[subject] ?? value, value) }
    }

    func reload() async throws {
        let since = Int(now().timeIntervalSince1970) - horizonSeconds
        let entries = try await repository.list(since: since)
        let fresh = Dictionary(entries.map { ($0.userID.lowercasedString, $0.notBefore) }, uniquingKeysWith: max)
        notBefore.withLock { current in
            // Keep what this process recorded since the query started; drop what aged out.
            current = current.filter { $0.value >= since }.merging(fresh, uniquingKeysWith: max)
        }
        loaded.store(true, ordering: .releasing)
    }

    func run() async throws {
        // Until the first load, every second (the database may come up after the service).
        while !isLoaded, !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await reload()
            if !isLoaded { try? await sleepUnlessShuttingDown(for: .seconds(1)) }
        }
        await repeatUntilShutdown(every: interval, logger: logger, failure: "Cannot reload the revocations; keeping the last ones") {
            [self] in try await reload()
        }
    }
}
