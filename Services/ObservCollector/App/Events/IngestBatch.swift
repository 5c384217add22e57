import Foundation
import ServiceKit

/// A sender's id for one batch (the `Idempotency-Key` header), scoped to the service of the ingest key
/// that sent it: a batch whose key was committed within `window` is answered again and stored once,
/// so that a shipper retrying after a timeout (the first try may have been committed) stores nothing twice.
public struct IngestBatchKey: Hashable, Sendable {
    /// The service of the ingest key: senders cannot collide with, or pre-empt, each other's keys.
    public let sender: String
    public let key: String

    /// How long a committed key is remembered (the contract: 24 hours).
    public static let window: TimeInterval = 86_400

    public init(sender: String, key: String) {
        self.sender = sender
        self.key = key
    }

    /// The header's value when it is a sane token (1–128 printable ASCII characters, no spaces, as an
    /// `X-Request-ID`); nil when absent; a validation failure otherwise.
    static func fromHeader(_ value: String?, sender: String) throws -> IngestBatchKey? {
        guard let value else { return nil }
        guard let value = ClientChosenID.sanitized(value) else {
            throw AppError.validationFailed(
                [FieldError(field: "Idempotency-Key", message: "must be 1 to 128 printable ASCII characters without spaces")],
                message: "The Idempotency-Key header is not valid")
        }
        return IngestBatchKey(sender: sender, key: value)
    }
}

/// What a batch was answered with. Kept with its key, so that a retry gets the same answer.
public struct IngestReceipt: Sendable, Equatable, Codable {
    public var accepted: Int
    /// Events over their tenant's quota, not stored.
    public var dropped: Int

    public init(accepted: Int, dropped: Int) {
        self.accepted = accepted
        self.dropped = dropped
    }
}

/// One accepted request's events as the writer commits them.
public struct IngestBatch: Sendable {
    public var key: IngestBatchKey?
    public var events: [StoredEvent]
    public var receipt: IngestReceipt
    /// When the batch was received: the key's time within the window.
    public var receivedAt: Date
    /// The bytes of the request body it came in (0 for batches made in the process): what its
    /// admission counted (`IngestAdmission`), and what bounds a commit's group.
    public var bodySize: Int

    public init(key: IngestBatchKey?, events: [StoredEvent], receipt: IngestReceipt, receivedAt: Date, bodySize: Int = 0) {
        self.key = key
        self.events = events
        self.receipt = receipt
        self.receivedAt = receivedAt
        self.bodySize = bodySize
    }

    /// Batches without a key, for callers that store events without a sender's id (tests, tools).
    public init(_ events: [StoredEvent], receivedAt: Date = Date()) {
        self.init(key: nil, events: events, receipt: IngestReceipt(accepted: events.count, dropped: 0), receivedAt: receivedAt)
    }
}

extension Array where Element == IngestBatch {
    /// For each batch, the earlier batch of the array with the same key (its receipt), if any: a retry
    /// queued while its first try still waited is stored once, and answered as the first.
    func receiptsOfRepeatedKeys() -> [IngestReceipt?] {
        var first: [IngestBatchKey: IngestReceipt] = [:]
        return map { batch in
            guard let key = batch.key else { return nil }
            if let earlier = first[key] { return earlier }
            first[key] = batch.receipt
            return nil
        }
    }
}
