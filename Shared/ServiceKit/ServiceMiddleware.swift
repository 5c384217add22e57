import Foundation
import Hummingbird

/// ServiceKit's part of every request, around the routes (and a route group's own middleware, such as
/// the authenticator), in this order:
/// 1. the request id (`RequestID`): every response, even an error or a preflight, carries `X-Request-ID`;
/// 2. the allowed origins (`AllowedOrigins`): a preflight of one is answered here, and every answer to
///    one carries its CORS headers;
/// 3. the W3C trace (`TraceContext`): the caller's trace continued or a new one started, answered in
///    `traceparent`;
/// 4. the request's observation (`RequestEvents`, when the service ships events), which the routes and
///    the authenticator fill in;
/// 5. the routes, whose every error becomes the contract's body (`ErrorResponse`);
/// 6. the request counted and timed with the status it was answered with (`RequestSeries`), and its
///    events shipped.
///
/// One middleware, not one a concern: each middleware Hummingbird chains is an `async` call of its
/// own and of the closure that calls the next, and each such call is a task switch through the event
/// loop's queue. As five middlewares, a read of a post by id made 71 task switches; as one, 47, and
/// the blog's CPU a read went from 77–78 to 71–72 µs (+5 to +8 % a second: three alternating pairs of
/// `compare.sh blog-get`, 2026-12-07; `docs/performance.md`).
public struct ServiceMiddleware<Context: ServiceRequestContext>: RouterMiddleware {
    let origins: AllowedOrigins
    let events: RequestEvents?
    let series: RequestSeries

    public init(metrics: ServiceMetrics, events: RequestEvents? = nil, origins: AllowedOrigins = AllowedOrigins()) {
        self.origins = origins
        self.events = events
        self.series = RequestSeries(factory: metrics.factory)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = RequestID.of(request)
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        context.logger[metadataKey: "hb.request.id"] = .string(id)

        let origin = origins.allowedOrigin(of: request)
        if let origin, var preflight = AllowedOrigins.preflightAnswer(to: request, from: origin) {
            preflight.headers[.requestID] = id
            return preflight
        }

        let trace = TraceContext.continuing(request.headers[.traceparent])
        context.trace = trace
        context.logger[metadataKey: "trace_id"] = .string(trace.traceID)
        context.logger[metadataKey: "span_id"] = .string(trace.spanID)

        let observation = events?.observation(of: request)
        context.observation = observation
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorResponse.answer(error, context: context)
        }
        let elapsed = ContinuousClock.now - start

        let status = Int(response.status.code)
        let route = RouteLabel.of(context.endpointPath)
        series.record(method: request.method.rawValue, route: route, status: status, elapsed: elapsed)
        if let events, let observation {
            events.report(request, context: context, observation: observation, route: route, elapsed: elapsed, status: status)
        }
        response.headers[.traceparent] = trace.traceparent
        if let origin { response.headers.append(contentsOf: AllowedOrigins.headers(for: origin)) }
        response.headers[.requestID] = id
        return response
    }
}
