import Foundation
import ServiceKit

/// Where events are kept.
public protocol EventStore: Sendable {
    /// Stores the batches' events in one transaction, all or none, and each keyed batch at most once:
    /// a batch whose key was committed within `IngestBatchKey.window` before it was received (by this
    /// collector or another on the same database), or that comes earlier in `batches`, is not stored
    /// again. Returns, for each batch, nil when its events were stored now, else the receipt its key was
    /// first committed with.
    func insert(_ batches: [IngestBatch]) async throws -> [IngestReceipt?]
    /// Up to `page.limit + 1` events of the query's tenant and type, newest first, after the page's cursor.
    func events(matching query: EventQuery, page: PageRequest) async throws -> [StoredEvent]
    /// Up to `limit` events of a tenant's trace, of every type and service, oldest first.
    func trace(_ traceID: String, tenantID: UUID, limit: Int) async throws -> [StoredEvent]
    /// Statistics of a tenant's `request` events from the start of the minute `since` falls in, per
    /// service and route (the path when there is no route): the `limit` most requested, from the
    /// rollups (`RequestRollup`).
    func routeStatistics(tenantID: UUID, since: Date, limit: Int) async throws -> [RouteStatistics]
    /// A tenant's `request` events of `query.from ..< query.to`, cut into steps of `query.step` from
    /// `from`: for each step with a request, from the rollups (so whole minutes: `from`, `to` and the
    /// step are taken to the minute).
    func series(_ query: SeriesQuery) async throws -> [SeriesPoint]
    /// Deletes the rollups of the minutes before the one `date` falls in; returns how many rows.
    @discardableResult
    func deleteRollups(before date: Date) async throws -> Int
    /// Deletes up to `limit` events received before `date`; returns how many (0 when none are left).
    func deleteReceived(before date: Date, limit: Int) async throws -> Int
    /// Forgets the batch keys received before `date`; returns how many.
    @discardableResult
    func deleteBatchKeys(receivedBefore date: Date) async throws -> Int
    /// How many events there are (for tests and the closing checks of a shutdown).
    func count() async throws -> Int
    /// Whether the event writer's task is better run on a thread of its own than on the event loops:
    /// where `insert` hands its work to a writer thread of the database's (SQLite), the task otherwise
    /// waits behind a loop's parsing between two commits; where it awaits a network client answered
    /// on the event loops (PostgreSQL), every answer would cost a thread switch.
    var writerPrefersAThreadOfItsOwn: Bool { get }
    /// How many of the event writer's transactions run at once: one where the database has a single
    /// writer (SQLite); more where a transaction's time is mostly round trips that another can overlap
    /// (PostgreSQL, whose concurrent transactions already serve replicas).
    var concurrentTransactions: Int { get }
}

extension EventStore {
    public var writerPrefersAThreadOfItsOwn: Bool { false }
    public var concurrentTransactions: Int { 1 }

    /// Stores the events in one transaction, all or none, as one batch without a key.
    func insert(_ events: [StoredEvent]) async throws {
        _ = try await insert([IngestBatch(events)])
    }
}

/// The filters of `GET /v1/logs/requests`, `/v1/logs/errors` and `/v1/logs/audit`.
public struct EventQuery: Sendable, Equatable {
    public var tenantID: UUID
    public var type: StoredEvent.Kind
    public var from: Date?
    public var to: Date?
    public var status: StatusFilter?
    public var method: String?
    public var path: String?
    public var userID: UUID?
    public var service: String?
    public var requestID: String?
    public var traceID: String?
    public var action: String?
    public var outcome: String?
    public var actorID: UUID?
    public var subjectID: UUID?

    public init(tenantID: UUID, type: StoredEvent.Kind) {
        self.tenantID = tenantID
        self.type = type
    }

    /// `status=404` or a class, `status=5xx`.
    public enum StatusFilter: Sendable, Equatable {
        case exactly(Int)
        case inClass(Int)
    }
}

/// The statistics of one service and route over a window.
public struct RouteStatistics: Sendable, Equatable {
    public var service: String
    /// The route template, or the path when the sender gave none.
    public var route: String
    public var count: Int
    /// Requests answered with a 5xx.
    public var errorCount: Int
    /// Nearest-rank percentiles of the durations rounded to three significant digits: the smallest with
    /// at least p % of them at or below it.
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
}

/// What `GET /v1/stats/series` asks of a store: a tenant's requests in a window, in steps, optionally
/// of one service and one route (the route template, or the path when the sender gave none).
public struct SeriesQuery: Sendable, Equatable {
    public var tenantID: UUID
    public var from: Date
    public var to: Date
    public var stepMilliseconds: Int64
    public var service: String?
    public var route: String?
}

/// One step of a series that had requests: its index from the window's start, the count, the 5xx
/// count and nearest-rank percentiles of the rounded durations (as `RouteStatistics`).
public struct SeriesPoint: Sendable, Equatable {
    public var step: Int
    public var count: Int
    public var errorCount: Int
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
}
