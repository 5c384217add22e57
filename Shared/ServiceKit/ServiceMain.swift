import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// What an executable does: read its configuration (`ConfigurationReader`), set up logging and metrics, build the
/// application and run it until SIGINT or SIGTERM (graceful shutdown through swift-service-lifecycle).
///
/// A bad configuration value prints `<service>: configuration error: <VARIABLE>: <problem>` on
/// standard error and exits with status 78 (`EX_CONFIG`).
public enum ServiceMain {
    /// Exit status for a configuration error (`EX_CONFIG` of sysexits.h).
    public static let configurationErrorStatus: Int32 = 78

    /// Makes NIO's event loops Swift concurrency's global executor, so that a request's handler runs on
    /// the event loop that read it instead of crossing to the cooperative pool and back (two thread
    /// switches a request, and more for each `await` that resumes). Call it first in `main`, on the main
    /// thread, before anything asynchronous has run. Blocking work must then never run on a task: it
    /// would hold an event loop. The services run Argon2 on NIO's blocking pool and SQLite on GRDB's
    /// queues, except what is bounded: `InlineReads` (20 ms at most) and `SQLiteTransactions`' few-row
    /// writes, which run where they are called.
    /// False when another executor was installed first, and then nothing changed.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    public static func run<App: ApplicationProtocol>(
        name: String,
        defaultPort: Int,
        build: (_ reader: ConfigurationReader, _ common: ServiceConfiguration, _ logger: Logger, _ metrics: ServiceMetrics) async throws -> App
    ) async {
        let reader: ConfigurationReader
        let common: ServiceConfiguration
        let app: App
        let logger: Logger
        // Output whose reader went away (`make run`'s labelling pipes end at Ctrl-C, before the services
        // have stopped) makes a write fail instead of ending the process: its log lines are dropped.
        signal(SIGPIPE, SIG_IGN)
        do {
            reader = try await ConfigurationReader.load()
            common = try ServiceConfiguration(reader, serviceName: name, defaultPort: defaultPort)
            LoggingSystem.bootstrap { label in
                ServiceLogHandler(label: label, level: common.logLevel, format: common.logFormat)
            }
            logger = Logger(label: name)
            let metrics = ServiceMetrics()
            metrics.bootstrapGlobal()
            app = try await build(reader, common, logger, metrics)
            try reader.rejectUnreadOptions()
            // What was set, and where (secrets as `<secret>`): the rest is each setting's default.
            logger.info("Configuration", metadata: reader.report())
            try await ListeningAddress.ensureAvailable(host: common.host, port: common.port)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(name): configuration error: \(error)\n".utf8))
            exit(configurationErrorStatus)
        } catch {
            FileHandle.standardError.write(Data("\(name): cannot start: \(error)\n".utf8))
            exit(1)
        }
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            logger.info("Stopped")
        } catch {
            logger.critical("Stopped on an error", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
