import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// A Hummingbird `Application`, run as Hummingbird runs it but for the `Date` header's cache: its own
/// (`HTTPDateCache`) instead of Hummingbird's, which can hang the service on its graceful shutdown.
///
/// Hummingbird's cache ticks through `AsyncTimerSequence(…).cancelOnGracefulShutdown()`, a `merge`
/// of swift-async-algorithms 1.1.4, whose `MergeStorage.next()` holds a lock across
/// `withUnsafeThrowingContinuation`; the runtime may enqueue the rest of `next()` before running it
/// (apple/swift-async-algorithms#430, fix pending in #444). With NIO's executor takeover
/// (`ServiceMain.runTasksOnEventLoops`) that job goes behind the others of the same event loop, and when
/// the one before it is the merge's other side, which takes the same lock, the loop blocks for good:
/// seen as a blog service that never ended after SIGTERM, one event loop blocked in
/// `MergeStorage.iterateAsyncSequence` (gdb), the services after the cache in the shutdown's order (the
/// event shipper's last flush among them) never stopped. Seen once in about a hundred stops of the
/// benchmarks' services; not reproduced in 300 stops of a loop of its own (start, a second of load,
/// SIGTERM): rare, and for good when it happens.
public struct ServiceApplication<Responder: HTTPResponder>: ApplicationProtocol
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    public typealias Context = Responder.Context

    private let application: Application<Responder>

    public init(_ application: Application<Responder>) {
        self.application = application
    }

    public var responder: Responder { get async throws { try await application.responder } }
    public var server: HTTPServerBuilder { application.server }
    public var eventLoopGroup: any EventLoopGroup { application.eventLoopGroup }
    public var configuration: ApplicationConfiguration { application.configuration }
    public var logger: Logger { application.logger }
    public var services: [any Service] { application.services }
    public var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { application.processesRunBeforeServerStart }
    @Sendable public func onServerRunning(_ channel: any Channel) async { await application.onServerRunning(channel) }

    /// Hummingbird's `ApplicationProtocol.run()` (2.28.1), with `HTTPDateCache` for its date cache.
    public func run() async throws {
        let dateCache = HTTPDateCache()
        let responder = try await self.responder
        let serverName = configuration.serverName
        let server = try self.server.buildServer(
            configuration: ServerConfiguration(
                address: configuration.address, serverName: configuration.serverName, backlog: configuration.backlog,
                reuseAddress: configuration.reuseAddress, availableConnectionsDelegate: configuration.availableConnectionsDelegate),
            eventLoopGroup: eventLoopGroup,
            logger: logger
        ) { (request, responseWriter: consuming ResponseWriter, channel) in
            // No `hb.request.id` here: `ServiceMiddleware` sets it to the request's own id.
            let response = try await withLogger(logger) { logger in
                let context = Context(source: .init(channel: channel, logger: logger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch let error as HTTPParserError {
                    throw error
                } catch {
                    logger.debug("Unrecognised Error", metadata: ["error.type": "\(error)"])
                    response = Response(status: .internalServerError, body: .init())
                }
                response.headers[.date] = dateCache.date
                if let serverName { response.headers[.server] = serverName }
                return response
            }
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                // Rethrown, a parser error would have another response written; any other error closes the
                // connection, as Hummingbird's own (`package`) error does.
                throw ResponseNotWritten()
            }
        } onServerRunning: {
            await self.onServerRunning($0)
        }
        let serverService = ServerAfterItsPrelude(server: server, prelude: processesRunBeforeServerStart)
        let serviceGroup = ServiceGroup(configuration: .init(services: services + [dateCache, serverService], logger: logger))
        try await serviceGroup.run()
    }
}

/// The server, started once the processes to run before it have run (Hummingbird's `PreludeService`).
private struct ServerAfterItsPrelude: Service {
    let server: any Service
    let prelude: [@Sendable () async throws -> Void]

    func run() async throws {
        for process in prelude { try await process() }
        try await server.run()
    }
}

/// A response whose writing failed on the request's parsing: its connection is closed.
private struct ResponseNotWritten: Error {}

/// The `Date` header's value (RFC 9110's IMF-fixdate), made once a second rather than for each response.
/// Its ticks are plain sleeps, ended by cancellation on graceful shutdown (`cancelWhenGracefulShutdown`,
/// a task group): no `merge`, whose lock hangs an event loop (`ServiceApplication`).
final class HTTPDateCache: Service {
    private let current = Mutex(HTTPDateCache.imfFixdate(Date()))

    var date: String { current.withLock { $0 } }

    func run() async {
        await cancelWhenGracefulShutdown {
            // Ends with the sleep that a graceful shutdown cancels: not an error of the service's.
            while (try? await Task.sleep(for: .seconds(1))) != nil {
                let date = Self.imfFixdate(Date())
                self.current.withLock { $0 = date }
            }
        }
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }
}
