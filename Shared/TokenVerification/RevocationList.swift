import AsyncHTTPClient
import Foundation
import Logging
import Prometheus
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Knows, for a subject, the time before which its access tokens are cut off.
public protocol RevocationChecker: Sendable {
    /// Seconds since the epoch: tokens of `subject` issued before it are refused. Nil when none.
    func notBefore(subject: String) -> Int?
}

/// The wire shape of `GET /.well-known/revocations[?since=<cursor>]`:
/// `{"revoked": [{"sub", "not_before"}], "cursor", "has_more", "full", "horizon_seconds"}`.
///
/// The list comes in pages of the cut-offs recorded after `since` (all of them without it, `full`),
/// so that a verifier fetches only what is new however long the list grows: it passes each answer's
/// `cursor` as the next `since`, at once while `has_more`, and forgets entries whose `not_before` is
/// more than `horizon_seconds` old (every token they concern has expired). The fields after `revoked`
/// are optional for a reader: an auth service without them answers the whole list each time.
public struct RevocationDocument: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var sub: String
        public var notBefore: Int

        public init(sub: String, notBefore: Int) {
            self.sub = sub
            self.notBefore = notBefore
        }

        enum CodingKeys: String, CodingKey {
            case sub
            case notBefore = "not_before"
        }
    }

    public var revoked: [Entry]
    /// Where the next page starts: pass it as `since`.
    public var cursor: String?
    /// More entries wait after this page.
    public var hasMore: Bool?
    /// This page starts the list from its beginning (no `since`, or one the auth service does not know).
    public var full: Bool?
    /// How long after its `not_before` an entry matters.
    public var horizonSeconds: Int?

    public init(revoked: [Entry], cursor: String? = nil, hasMore: Bool? = nil, full: Bool? = nil, horizonSeconds: Int? = nil) {
        self.revoked = revoked
        self.cursor = cursor
        self.hasMore = hasMore
        self.full = full
        self.horizonSeconds = horizonSeconds
    }

    enum CodingKeys: String, CodingKey {
        case revoked, cursor, full
        case hasMore = "has_more"
        case horizonSeconds = "horizon_seconds"
    }
}

/// Polls the auth service's `/.well-known/revocations` (every 5 s by default) and answers from the
/// list it has built; while the auth service is down it keeps that list.
///
/// Each poll fetches only the cut-offs recorded since the last one (`since=<cursor>`, page after page),
/// so the list stays usable at any size a tenant can make. Entries only ever tighten (a later
/// `not_before` wins) and are forgotten once every token they concern has expired. A list that has not
/// been refreshed for `staleAfter` is reported: `stalenessWarning` (shown in `/readyz`) and the
/// `token_revocations_age_seconds` gauge.
public final class RevocationPoller: RevocationChecker, Service {
    public struct Settings: Sendable {
        /// e.g. `http://127.0.0.1:8081/.well-known/revocations`.
        public var url: URL
        public var interval: Duration
        public var timeout: Duration
        /// Pages fetched at most by one poll; the next poll goes on from there.
        public var maximumPagesPerPoll = 100

        public init(url: URL, interval: Duration = .seconds(5), timeout: Duration = .seconds(5)) {
            self.url = url
            self.interval = interval
            self.timeout = timeout
        }

        /// Three missed polls.
        public var staleAfter: Duration { interval * 3 }
    }

    private struct State {
        var notBefore: [String: Int] = [:]
        var cursor: String?
        var completedPolls = 0
        var lastRefresh: ContinuousClock.Instant?
    }

    private let settings: Settings
    private let fetcher: WellKnownDocumentFetcher
    private let logger: Logger
    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let ageGauge: Gauge?
    private let entriesGauge: Gauge?

    public init(settings: Settings, httpClient: HTTPClient = .shared, metrics: ServiceMetrics? = nil, logger: Logger) {
        self.settings = settings
        self.fetcher = WellKnownDocumentFetcher(url: settings.url, httpClient: httpClient, timeout: settings.timeout)
        self.logger = logger
        ageGauge = metrics?.registry.makeGauge(
            descriptor: .named("token_revocations_age_seconds", help: "Seconds since the revocation list was last refreshed from the auth service"),
            labels: [])
        entriesGauge = metrics?.registry.makeGauge(descriptor: .named("token_revocations_entries", help: "Subjects on the revocation list"), labels: [])
    }

    public func notBefore(subject: String) -> Int? {
        state.withLock { $0.notBefore[subject] }
    }

    /// Polls attempted so far, successful or not.
    public var completedPolls: Int { state.withLock { $0.completedPolls } }

    /// Subjects on the list now.
    public var count: Int { state.withLock { $0.notBefore.count } }

    /// How long since the list was last brought up to date (since start, before the first time).
    public var age: Duration {
        ContinuousClock.now - (state.withLock { $0.lastRefresh } ?? started)
    }

    /// Why the list may be out of date, when it is older than `staleAfter`; nil when it is fresh.
    public var stalenessWarning: String? {
        let age = age
        guard age > settings.staleAfter else { return nil }
        return "revocation list not refreshed for \(age.components.seconds) s: cut-offs made since are not enforced"
    }

    /// Brings the list up to date; on failure what was fetched so far is kept, and the rest waits for
    /// the next poll.
    public func poll() async {
        var cursor = state.withLock { $0.cursor }
        var fetched: [RevocationDocument.Entry] = []
        var replaceAll = false
        var horizon: Int?
        var upToDate = false
        do {
            for _ in 0..<settings.maximumPagesPerPoll {
                var url = settings.url
                if let cursor { url.append(queryItems: [URLQueryItem(name: "since", value: cursor)]) }
                let document = try JSONDecoder().decode(RevocationDocument.self, from: try await fetcher.fetch(url))
                fetched += document.revoked
                horizon = document.horizonSeconds
                guard let next = document.cursor else {
                    // An auth service that answers the whole list at once.
                    replaceAll = true
                    upToDate = true
                    break
                }
                cursor = next
                if document.hasMore != true {
                    upToDate = true
                    break
                }
            }
        } catch {
            logger.warning("Cannot fetch the revocation list; keeping the last one", metadata: ["url": "\(settings.url)", "error": "\(error)"])
        }
        let now = Int(Date().timeIntervalSince1970)
        let (count, lastRefresh) = state.withLock { state -> (Int, ContinuousClock.Instant?) in
            if replaceAll { state.notBefore = [:] }
            // Subjects are user ids; compare them in the contract's lower-case form, as the verifier does.
            for entry in fetched {
                let subject = entry.sub.lowercased()
                state.notBefore[subject] = max(state.notBefore[subject] ?? entry.notBefore, entry.notBefore)
            }
            if let horizon { state.notBefore = state.notBefore.filter { $0.value >= now - horizon } }
            if !replaceAll { state.cursor = cursor }
            if upToDate { state.lastRefresh = .now }
            state.completedPolls += 1
            return (state.notBefore.count, state.lastRefresh)
        }
        entriesGauge?.set(Double(count))
        let seconds = ContinuousClock.now - (lastRefresh ?? started)
        ageGauge?.set(Double(seconds.components.seconds))
        if !upToDate, let warning = stalenessWarning {
            logger.warning("The revocation list is stale", metadata: ["detail": "\(warning)"])
        }
    }

    public func run() async throws {
        await repeatUntilShutdown(every: settings.interval) { [self] in await poll() }
    }
}
