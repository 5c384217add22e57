import Foundation
import Hummingbird
import ServiceKit

/// `POST /v1/events`: validates the whole batch, then waits for the commit that holds it.
struct IngestController: Sendable {
    let writer: EventWriter
    let metrics: CollectorMetrics
    let now: @Sendable () -> Date

    struct Accepted: Codable {
        var accepted: Int
    }

    func addRoutes(to group: RouterGroup<CollectorRequestContext>) {
        group.post { request, context in
            let service = context.ingestService ?? "unknown"
            let events: [ObservedEvent]
            do {
                events = try await IngestBatchReader.read(request, context: context)
            } catch {
                metrics.rejected(1, from: service, reason: "unreadable")
                throw error
            }
            let receivedAt = now()
            var stored: [StoredEvent] = []
            stored.reserveCapacity(events.count)
            for (index, event) in events.enumerated() {
                switch event.validated(index: index, keyService: service, receivedAt: receivedAt) {
                case .success(let valid): stored.append(valid)
                case .failure(let problem):
                    metrics.rejected(events.count, from: service, reason: "invalid")
                    throw problem
                }
            }
            do {
                try await writer.submit(stored)
            } catch let refusal as EventWriter.Refusal {
                metrics.rejected(stored.count, from: service, reason: refusal == .queueFull ? "queue_full" : "shutting_down")
                throw AppError.unavailable(
                    retryAfterSeconds: 1,
                    message: refusal == .queueFull ? "The ingest queue is full; retry shortly" : "The collector is shutting down")
            } catch {
                metrics.rejected(stored.count, from: service, reason: "storage")
                throw AppError.unavailable(retryAfterSeconds: 5, message: "The events could not be stored; retry")
            }
            metrics.received(stored.count, from: service)
            metrics.learn(from: stored)
            return try Response.json(Accepted(accepted: stored.count), status: .accepted)
        }
    }
}
