import Foundation
import ServiceKit

/// Where events are kept.
public protocol EventStore: Sendable {
    /// Stores the events in one transaction: all or none.
    func insert(_ events: [StoredEvent]) async throws
    /// Up to `page.limit + 1` events of the query's tenant and type, newest first, after the page's cursor.
    func events(matching query: EventQuery, page: PageRequest) async throws -> [StoredEvent]
    /// The `request` events of a tenant since `since`: what statistics are computed from.
    func requestSamples(tenantID: UUID, since: Date) async throws -> [RequestSample]
    /// Deletes up to `limit` events received before `date`; returns how many (0 when none are left).
    func deleteReceived(before date: Date, limit: Int) async throws -> Int
    /// How many events there are (for tests and the closing checks of a shutdown).
    func count() async throws -> Int
}

/// The filters of `GET /v1/logs/requests` and `/v1/logs/errors`.
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

/// What statistics need of one request event.
public struct RequestSample: Sendable, Equatable {
    public var service: String
    /// The route template, or the path when the sender gave none.
    public var route: String
    public var status: Int
    public var durationMs: Double
}
