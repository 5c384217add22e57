import Hummingbird
import NIOCore
import ServiceKit
import TokenVerification

/// The collector's request context: the tenant admin of a query (`identity`), or the service of an
/// ingest key (`ingestService`), and a 10 MiB body limit for event batches.
public struct CollectorRequestContext: AuthenticatedRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var identity: AuthenticatedUser?
    /// The service whose ingest key authenticated the request.
    public var ingestService: String?
    public let peerAddress: SocketAddress?
    public var observation: RequestObservation?
    public var trace: TraceContext?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress
    }

    /// The contract's limit of an ingest request.
    public var maxUploadSize: Int { 10 << 20 }
}
