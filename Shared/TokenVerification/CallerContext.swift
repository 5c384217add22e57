import Hummingbird
import Logging
import NIOCore
import ServiceKit

/// The request context of a route that acts for an authenticated caller of a tenant: `caller` is
/// not optional, so a handler cannot forget to ask for it, and the context cannot be made for a
/// request without one (its initialiser throws 401). Routes get it through `authenticated(_:by:)`,
/// which runs the `BearerAuthenticator` and makes this context in one step.
public struct CallerContext<Parent: AuthenticatedRequestContext>: ChildRequestContext, ServiceRequestContext {
    public typealias ParentContext = Parent

    public var coreContext: CoreRequestContextStorage
    public var requestID: String
    public let peerAddress: SocketAddress?
    public var observation: RequestObservation?
    public var trace: TraceContext?
    /// The user whose access token the request carried, verified.
    public let caller: AuthenticatedUser

    public init(context: Parent) throws {
        guard let caller = context.identity else { throw BearerAuthenticator<Parent>.missingCredentials }
        self.coreContext = context.coreContext
        self.requestID = context.requestID
        self.peerAddress = context.peerAddress
        self.observation = context.observation
        self.trace = context.trace
        self.caller = caller
    }
}

extension RouterMethods where Context: AuthenticatedRequestContext {
    /// A group of routes at `path` for authenticated callers: the authenticator runs first (401
    /// without a valid access token), and the routes get a `CallerContext`.
    public func authenticated(_ path: RouterPath = "", by authenticator: BearerAuthenticator<Context>) -> RouterGroup<CallerContext<Context>> {
        group(path).add(middleware: authenticator).group(context: CallerContext<Context>.self)
    }
}
