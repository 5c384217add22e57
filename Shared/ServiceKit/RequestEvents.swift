import Foundation
import Hummingbird

/// Turns every answered request into a `request` event for the collector, every 5xx or caught
/// failure into an `error` event too, and every audit entry into an `audit` event, through the
/// `EventShipper` (which never waits). `ServiceMiddleware` starts a request's observation before the
/// routes and reports it once they have answered (errors as the client got them).
///
/// The caller is learnt from `context.observation`, which the authenticator fills in. `/healthz`,
/// `/readyz` and `/metrics` are not reported, nor a service's own `quietPaths`: probes, scrapes and
/// polls would drown the rest. The path is sent without its query string, which may hold what does
/// not belong in a log.
public struct RequestEvents: Sendable {
    let shipper: EventShipper
    let serviceName: String
    let trustedProxies: TrustedProxies
    let unobservedPaths: Set<String>

    public init(shipper: EventShipper, serviceName: String, trustedProxies: TrustedProxies, quietPaths: Set<String> = []) {
        self.shipper = shipper
        self.serviceName = serviceName
        self.trustedProxies = trustedProxies
        self.unobservedPaths = quietPaths.union(["/healthz", "/readyz", "/metrics"])
    }

    /// A new observation for `request`; nil for a path that is not reported.
    func observation(of request: Request) -> RequestObservation? {
        unobservedPaths.contains(request.uri.path) ? nil : RequestObservation()
    }

    /// Ships the events of a request to `route` (`RouteLabel`), answered with `status` `elapsed` after it
    /// began: the event's time is its beginning, read from the wall clock now (only a reported request
    /// reads it).
    func report(
        _ request: Request, context: some ServiceRequestContext, observation: RequestObservation, route: String,
        elapsed: Duration, status: Int
    ) {
        let durationMs = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        var event = ObservedEvent(type: .request, at: Date(timeIntervalSinceNow: -durationMs / 1000), service: serviceName)
        event.tenantID = observation.tenantID
        event.userID = observation.userID
        event.requestID = context.requestID
        event.traceID = context.trace?.traceID
        event.spanID = context.trace?.spanID
        event.method = request.method.rawValue
        event.path = request.uri.path
        event.route = route
        event.status = status
        event.durationMs = durationMs
        event.clientIP = context.clientAddress(of: request, trustedProxies: trustedProxies)
        event.userAgent = request.headers[.userAgent]  // clamped by the shipper, as every text
        shipper.enqueue(event)
        for failure in observation.failures {
            var error = Self.companion(of: event, type: .error, at: Date())
            error.tenantID = event.tenantID
            error.userID = event.userID
            error.method = event.method
            error.path = event.path
            error.route = event.route
            error.status = status
            error.level = "error"
            error.message = failure.message
            error.errorType = failure.type
            shipper.enqueue(error)
        }
        for entry in observation.audits {
            var audit = Self.companion(of: event, type: .audit, at: entry.at)
            audit.tenantID = entry.tenantID?.lowercasedString
            audit.clientIP = event.clientIP
            audit.userAgent = event.userAgent
            audit.action = entry.action
            audit.outcome = entry.outcome.rawValue
            audit.actorID = entry.actorID?.lowercasedString
            audit.subjectID = entry.subjectID?.lowercasedString
            audit.reason = entry.reason
            shipper.enqueue(audit)
        }
    }

    /// An event of another type about the same request: its service, request id, trace and span.
    private static func companion(of event: ObservedEvent, type: ObservedEvent.Kind, at date: Date) -> ObservedEvent {
        var companion = ObservedEvent(type: type, at: date, service: event.service)
        companion.requestID = event.requestID
        companion.traceID = event.traceID
        companion.spanID = event.spanID
        return companion
    }
}
