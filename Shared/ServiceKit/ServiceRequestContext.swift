import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What every service's request context carries: the request id and the peer address, with the
/// contract's JSON coders and a body limit.
///
/// A service declares its own context type conforming to this protocol (adding, for instance, the
/// authenticated caller), and ServiceKit's middleware works with any of them.
public protocol ServiceRequestContext: RequestContext
where Decoder == ContractRequestDecoder, Encoder == ContractResponseEncoder {
    /// The request id (`X-Request-ID`), set by `ServiceMiddleware`; empty before it runs.
    var requestID: String { get set }
    /// The address of the TCP peer, when known.
    var peerAddress: SocketAddress? { get }
    /// What the request's event will say about it; set by `ServiceMiddleware` when events are shipped.
    var observation: RequestObservation? { get set }
    /// The request's place in a W3C trace, set by `ServiceMiddleware`; nil before it runs.
    var trace: TraceContext? { get set }
}

extension ServiceRequestContext {
    public var requestDecoder: ContractRequestDecoder { ContractRequestDecoder() }
    public var responseEncoder: ContractResponseEncoder { ContractResponseEncoder() }
    /// Bodies over 1 MiB answer 413 unless a context says otherwise.
    public var maxUploadSize: Int { 1 << 20 }
}

/// The plain context for a service that needs nothing more than ServiceKit gives.
public struct BasicServiceRequestContext: ServiceRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public let peerAddress: SocketAddress?
    public var observation: RequestObservation?
    public var trace: TraceContext?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress
    }
}

extension ServiceRequestContext {
    /// The client address of `request` (see `TrustedProxies.clientAddress`); nil when the peer is unknown,
    /// as in router tests.
    public func clientAddress(of request: Request, trustedProxies: TrustedProxies) -> String? {
        trustedProxies.clientAddress(peer: peerAddress?.ipAddress, forwardedFor: request.headers[.xForwardedFor])
    }
}

extension HTTPField.Name {
    public static var xForwardedFor: Self { .init("X-Forwarded-For")! }
}

extension ServiceRequestContext {
    /// The UUID in the path parameter `name`; nil when it is missing or not a UUID (which names no
    /// resource: routes answer it as they answer an unknown id).
    public func pathUUID(_ name: String = "id") -> UUID? {
        parameters.get(name).flatMap { UUID(parsing: $0) }
    }
}
