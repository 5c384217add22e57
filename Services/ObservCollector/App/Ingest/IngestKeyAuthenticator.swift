import Hummingbird
import ServiceKit

/// `Authorization: Bearer <ingest key>` → the request's `ingestService`, or 401.
struct IngestKeyAuthenticator: RouterMiddleware {
    typealias Context = CollectorRequestContext
    let keys: IngestKeys

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") else {
            throw AppError(.authenticationFailed, "An ingest key is required", headers: [.wwwAuthenticate: "Bearer"])
        }
        let key = String(authorization.dropFirst("bearer ".count).trimmingHTTPWhitespace())
        guard let service = keys.service(forKey: key) else {
            context.logger.notice("Ingest key refused")
            throw AppError(.authenticationFailed, "The ingest key is not valid", headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
        var context = context
        context.ingestService = service
        return try await next(request, context)
    }
}
