import AsyncHTTPClient
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization

/// The auth service's public keys, fetched from its `/.well-known/jwks.json` and cached.
///
/// - A token with a `kid` the cache does not hold triggers one refetch, at most once per
///   `minimumRefetchInterval`: a flood of forged kids costs the auth service one request per interval,
///   and concurrent callers share the fetch in flight.
/// - As a `Service` it fetches at start and then every `refreshInterval`, so retired keys drop out.
/// - A failed fetch keeps the cached set: verification goes on while the auth service is down.
public final class JWKSKeySource: VerificationKeySource, Service {
    public struct Settings: Sendable {
        /// `AUTH_JWKS_URL`, e.g. `http://127.0.0.1:8081/.well-known/jwks.json`.
        public var url: URL
        /// Least time between two fetches caused by unknown kids (default 5 s).
        public var minimumRefetchInterval: Duration
        /// Time between scheduled refreshes (default 5 minutes).
        public var refreshInterval: Duration
        /// Time limit of one fetch (default 5 s).
        public var timeout: Duration

        public init(
            url: URL, minimumRefetchInterval: Duration = .seconds(5), refreshInterval: Duration = .seconds(300), timeout: Duration = .seconds(5)
        ) {
            self.url = url
            self.minimumRefetchInterval = minimumRefetchInterval
            self.refreshInterval = refreshInterval
            self.timeout = timeout
        }
    }

    private struct State {
        var keySet: VerificationKeySet?
        var lastFetchStart: ContinuousClock.Instant?
        var fetchInFlight: Task<Void, Never>?
        var fetchCount = 0
    }

    private let settings: Settings
    private let fetcher: WellKnownDocumentFetcher
    private let logger: Logger
    private let state = Mutex(State())

    public init(settings: Settings, httpClient: HTTPClient = .shared, logger: Logger) {
        self.settings = settings
        self.fetcher = WellKnownDocumentFetcher(url: settings.url, httpClient: httpClient, timeout: settings.timeout)
        self.logger = logger
    }

    /// How many fetches have been started, for tests and metrics.
    public var fetchCount: Int { state.withLock { $0.fetchCount } }

    public func keySet(forKeyID kid: String) async -> VerificationKeySet? {
        enum Next {
            case answer(VerificationKeySet?)
            case await(Task<Void, Never>)
        }
        let next = state.withLock { state -> Next in
            if let keySet = state.keySet, keySet.contains(kid) { return .answer(keySet) }
            if let fetch = state.fetchInFlight { return .await(fetch) }
            if let last = state.lastFetchStart, ContinuousClock.now - last < settings.minimumRefetchInterval {
                return .answer(state.keySet)
            }
            return .await(startFetch(&state))
        }
        switch next {
        case .answer(let keySet):
            return keySet
        case .await(let fetch):
            await fetch.value
            return state.withLock { $0.keySet }
        }
    }

    /// Fetches now unless a fetch is already in flight, and waits for it.
    public func refresh() async {
        let fetch = state.withLock { state in state.fetchInFlight ?? startFetch(&state) }
        await fetch.value
    }

    /// Fetches at start, then every `refreshInterval`, until graceful shutdown (which also abandons a
    /// fetch in flight, so that a dead auth service does not hold the shutdown up).
    public func run() async throws {
        await repeatUntilShutdown(every: settings.refreshInterval) { [self] in
            let fetch = state.withLock { state in state.fetchInFlight ?? startFetch(&state) }
            await withTaskCancellationHandler { await fetch.value } onCancel: { fetch.cancel() }
        }
    }

    private func startFetch(_ state: inout State) -> Task<Void, Never> {
        state.lastFetchStart = .now
        state.fetchCount += 1
        let fetch = Task { await self.fetchAndStore() }
        state.fetchInFlight = fetch
        return fetch
    }

    private func fetchAndStore() async {
        var fetched: VerificationKeySet?
        do {
            fetched = try await VerificationKeySet.make(jwks: try await fetcher.fetch())
            logger.debug("Fetched the JWK Set", metadata: ["kids": "\(fetched!.keyIDs.sorted())"])
        } catch {
            logger.warning("Cannot fetch the JWK Set; keeping the cached keys", metadata: ["url": "\(settings.url)", "error": "\(error)"])
        }
        state.withLock { state in
            if let fetched { state.keySet = fetched }
            state.fetchInFlight = nil
        }
    }
}
