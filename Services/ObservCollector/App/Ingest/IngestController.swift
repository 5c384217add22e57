import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// `POST /v1/events`: validates the whole batch, then waits for the commit that holds it.
struct IngestController: Sendable {
    let writer: EventWriter
    /// The bodies held at once, from reading to commit.
    let admission: IngestAdmission
    let metrics: CollectorMetrics
    let now: @Sendable () -> Date

    /// Invalid events named in a refusal at most (their problems listed in `details`).
    static let maximumInvalidListed = 100

    func addRoutes(to group: RouterGroup<CollectorRequestContext>) {
        group.post(use: ingest)
    }

    /// `POST /v1/events`: 202 once the batch is committed (`accepted`, and `dropped` over quota); a batch
    /// with an invalid event stores nothing (400 naming each); 503 when the queue is full. A batch whose
    /// `Idempotency-Key` was committed within the day gets that commit's answer again, and is not stored.
    /// Its body is read once admitted (`IngestAdmission`), after the requests that came before it.
    @Sendable func ingest(_ request: Request, context: CollectorRequestContext) async throws -> Response {
        let service = context.ingestService ?? "unknown"
        let key = try IngestBatchKey.fromHeader(request.headers[.idempotencyKey], sender: service)
        // A body without a length (chunked) is counted as large as any.
        let size = request.headers[.contentLength].flatMap { Int($0) } ?? admission.budget
        return try await admission.admitted(bytes: size) { counted in
            try await store(request, context: context, key: key, service: service, counted: counted)
        }
    }

    /// Reads, validates and commits the request's batch; its answer.
    private func store(
        _ request: Request, context: CollectorRequestContext, key: IngestBatchKey?, service: String, counted: Int
    ) async throws -> Response {
        // The events as read are gone once validated: only their stored form waits for the commit.
        var batch = try await validBatch(of: request, context: context, key: key, service: service)
        batch.bodySize = counted  // as admitted: what bounds the commit's group
        let committed: EventWriter.Committed
        do {
            committed = try await writer.submit(batch)
        } catch let refusal as EventWriter.Refusal {
            metrics.rejected(batch.events.count, from: service, reason: refusal == .queueFull ? "queue_full" : "shutting_down")
            throw AppError.unavailable(
                retryAfterSeconds: 1,
                message: refusal == .queueFull ? "The ingest queue is full; retry shortly" : "The collector is shutting down")
        } catch {
            metrics.rejected(batch.events.count, from: service, reason: "storage")
            throw AppError.unavailable(retryAfterSeconds: 5, message: "The events could not be stored; retry")
        }
        if committed.repeated {
            metrics.repeatedBatch(batch.events.count, from: service)
        } else {
            for (tenant, count) in committed.dropped { metrics.droppedOverQuota(count, tenant: tenant) }
            metrics.received(committed.stored.count, from: service)
            metrics.learn(from: committed.stored)
        }
        return try Response.json(committed.receipt, status: .accepted)
    }

    /// The request's events, each validated as the stored event it becomes; a 400 naming every invalid
    /// one (up to a bound) when any is, so that nothing of the batch is stored.
    private func validBatch(
        of request: Request, context: CollectorRequestContext, key: IngestBatchKey?, service: String
    ) async throws -> IngestBatch {
        let events: [ObservedEvent]
        do {
            events = try await IngestBatchReader.read(request, context: context)
        } catch {
            metrics.rejected(1, from: service, reason: "unreadable")
            throw error
        }
        let receivedAt = now()
        var valid: [StoredEvent] = []
        valid.reserveCapacity(events.count)
        var problems: [FieldError] = []
        var invalid: [Int] = []
        for (index, event) in events.enumerated() {
            switch event.validated(index: index, keyService: service, receivedAt: receivedAt) {
            case .success(let event): valid.append(event)
            case .failure(let refusal):
                // Every invalid event is named (up to a bound), so that a sender can set those aside
                // and deliver the rest in one more try.
                invalid.append(index)
                if invalid.count <= Self.maximumInvalidListed { problems += refusal.details }
            }
        }
        if !invalid.isEmpty {
            metrics.rejected(events.count, from: service, reason: "invalid")
            let message = invalid.count == 1
                ? "Event \(invalid[0]) is not valid; nothing was stored"
                : "\(invalid.count) events are not valid (the first is \(invalid[0])); nothing was stored"
            throw AppError.validationFailed(problems, message: message)
        }
        return IngestBatch(key: key, events: valid, receipt: IngestReceipt(accepted: valid.count, dropped: 0), receivedAt: receivedAt)
    }
}

extension HTTPField.Name {
    static var idempotencyKey: Self { .init("Idempotency-Key")! }
}
