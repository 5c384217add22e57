import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceTestSupport
import Synchronization

/// A collector that answers slowly: it stores each batch at once (once per `Idempotency-Key`, as the
/// real one does) and answers 202 only after `delay`, which a test changes while it runs. It stands
/// where the real collector listens, to show what a slow collector costs its senders.
final class SlowCollector: Sendable {
    let delay: Mutex<Duration>
    private let stored = Mutex<(keys: Set<String>, events: Int)>(([], 0))

    init(delay: Duration) {
        self.delay = Mutex(delay)
    }

    /// Events stored so far, each batch once.
    var storedEvents: Int { stored.withLock { $0.events } }

    /// Serves `POST /v1/events` on `port` while `body` runs.
    func whileRunning<Value: Sendable>(port: Int, _ body: @Sendable () async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/v1/events") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 16 * 1024 * 1024)
            let batch = try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
            let count = (batch?["events"] as? [Any])?.count ?? 0
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? UUID().uuidString
            self.stored.withLock { stored in
                if stored.keys.insert(key).inserted { stored.events += count }
            }
            try await Task.sleep(for: self.delay.withLock { $0 })
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"accepted":\#(count),"dropped":0}"#)))
        }
        // Run as a service, not with `app.test(.live)`, which listens on a port of its own choosing.
        let (listening, isListening) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in isListening.yield() },
            logger: Logger(label: "slow-collector") { _ in SwiftLogNoOpLogHandler() })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { isListening.finish() }
                try await app.runService(gracefulShutdownSignals: [])
            }
            defer { group.cancelAll() }
            var started = false
            for await _ in listening {
                started = true
                break
            }
            guard started else {
                try await group.waitForAll()  // the reason it could not listen
                throw POSIXError(.EADDRINUSE)
            }
            return try await body()
        }
    }
}
