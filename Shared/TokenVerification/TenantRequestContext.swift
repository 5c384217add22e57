import Hummingbird
import NIOCore
import ServiceKit

/// The request context of a service whose routes act for an authenticated user of a tenant.
public struct TenantRequestContext: AuthenticatedRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var identity: AuthenticatedUser?
    public let peerAddress: SocketAddress?
    public var observation: RequestObservation?
    public var trace: TraceContext?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress
    }
}
