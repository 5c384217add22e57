import Hummingbird
import HummingbirdCore

extension ServiceConfiguration {
    /// Hummingbird's server settings for this service: its address and server name.
    public func applicationConfiguration(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName)
    }

    /// The HTTP server with the contract's connection limits (`ConnectionLimits`).
    public var httpServer: HTTPServerBuilder { connectionLimits.http1 }
}
