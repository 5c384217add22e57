import AsyncHTTPClient
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Knows, for a subject, the time before which its access tokens are cut off.
public protocol RevocationChecker: Sendable {
    /// Seconds since the epoch: tokens of `subject` issued before it are refused. Nil when none.
    func notBefore(subject: String) -> Int?
}

/// The wire shape of `GET /.well-known/revocations`: `{"revoked": [{"sub", "not_before"}]}`.
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

    public init(revoked: [Entry]) {
        self.revoked = revoked
    }
}

/// Polls the auth service's `/.well-known/revocations` (every 5 s by default) and answers from the
/// last list it got; while the auth service is down it keeps that list.
public final class RevocationPoller: RevocationChecker, Service {
    public struct Settings: Sendable {
        /// e.g. `http://127.0.0.1:8081/.well-known/revocations`.
        public var url: URL
        public var interval: Duration
        public var timeout: Duration

        public init(url: URL, interval: Duration = .seconds(5), timeout: Duration = .seconds(5)) {
            self.url = url
            self.interval = interval
            self.timeout = timeout
        }
    }

    private struct State {
        var notBefore: [String: Int] = [:]
        var completedPolls = 0
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

    public func notBefore(subject: String) -> Int? {
        state.withLock { $0.notBefore[subject] }
    }

    /// Polls attempted so far, successful or not.
    public var completedPolls: Int { state.withLock { $0.completedPolls } }

    /// Fetches the list once; on failure the previous list stays.
    public func poll() async {
        var fetched: [String: Int]?
        do {
            let document = try JSONDecoder().decode(RevocationDocument.self, from: try await fetcher.fetch())
            // Subjects are user ids; compare them in the contract's lower-case form, as the verifier does.
            fetched = Dictionary(document.revoked.map { ($0.sub.lowercased(), $0.notBefore) }, uniquingKeysWith: max)
        } catch {
            logger.warning("Cannot fetch the revocation list; keeping the last one", metadata: ["url": "\(settings.url)", "error": "\(error)"])
        }
        state.withLock { state in
            if let fetched { state.notBefore = fetched }
            state.completedPolls += 1
        }
    }

    public func run() async throws {
        await repeatUntilShutdown(every: settings.interval) { [self] in await poll() }
    }
}
