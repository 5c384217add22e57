import Foundation
import Hummingbird

/// Says whether a service can do its work (its database answers, with its schema version); throws when
/// it cannot.
public typealias ReadinessCheck = @Sendable () async throws -> Int

/// What a ready service should still tell its operators (a stale revocation list): shown in `/readyz`
/// as `warnings`, without making the service unready.
public typealias ReadinessWarnings = @Sendable () -> [String]

/// A service's health, readiness, metrics and API description routes: `GET /healthz`, `GET /readyz`,
/// `GET /metrics` and, when the service has one, `GET /openapi.json`.
public struct OperationalRoutes<Context: ServiceRequestContext>: Sendable {
    let metrics: ServiceMetrics
    let readiness: ReadinessCheck
    let warnings: ReadinessWarnings
    let openAPIDocument: Data?

    public init(
        metrics: ServiceMetrics, readiness: @escaping ReadinessCheck, warnings: @escaping ReadinessWarnings = { [] },
        openAPIDocument: Data? = nil
    ) {
        self.metrics = metrics
        self.readiness = readiness
        self.warnings = warnings
        self.openAPIDocument = openAPIDocument
    }

    struct Status: Encodable {
        let status: String
        var schemaVersion: Int? = nil
        var warnings: [String]? = nil

        enum CodingKeys: String, CodingKey {
            case status, warnings
            case schemaVersion = "schema_version"
        }
    }

    public func add(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            try Response.json(Status(status: "ok"))
        }
        router.get("/readyz") { _, context in
            let schemaVersion: Int
            do {
                schemaVersion = try await readiness()
            } catch {
                context.logger.warning("Not ready", metadata: ["error": "\(error)"])
                throw AppError(.unavailable, "Not ready: the database does not answer", headers: [.retryAfter: "5"])
            }
            let warnings = warnings()
            return try Response.json(Status(status: "ready", schemaVersion: schemaVersion, warnings: warnings.isEmpty ? nil : warnings))
        }
        router.get("/metrics") { _, _ in
            let text = metrics.render()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        if let openAPIDocument {
            let body = ByteBuffer(bytes: openAPIDocument)
            router.get("/openapi.json") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
            }
        }
    }
}
