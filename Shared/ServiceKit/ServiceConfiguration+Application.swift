import Hummingbird

extension ServiceConfiguration {
    /// Hummingbird's server settings for this service: its address and server name.
    public func applicationConfiguration(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName)
    }
}
