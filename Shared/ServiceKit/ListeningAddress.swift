import NIOCore
import NIOPosix

/// The address a service listens on, tried before the service starts.
enum ListeningAddress {
    /// Binds `host:port` as the HTTP server will (address reuse on) and lets it go at once, so that an
    /// address the service cannot take (in use, not permitted, unknown) stops start-up with the socket's
    /// own error before any background service runs.
    ///
    /// Why before: Hummingbird starts its date cache beside the server, and a server that fails at once
    /// cancels it. Under NIO's executor takeover, swift-async-algorithms' `merge` (inside the date cache)
    /// can be cancelled while it holds its lock across a hop queued on the same event loop, and the
    /// cancellation then waits for that lock for ever: a blog-service on a taken port hung about one
    /// start in 300 (apple/swift-async-algorithms#430, fixed by the open #444; the mirror has 1.1.4).
    static func ensureAvailable(host: String, port: Int) async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port)
            .get()
        try await channel.close()
    }
}
