import Foundation
import Glibc
import Testing

/// A service that cannot start says why and exits non-zero, whichever service it is. Found: the
/// collector on a taken port logged nothing and hung for ever, deaf to SIGTERM (its event writer
/// slept through the cancellation of a failed start; `EventWriterTests` holds that); later, one
/// blog-service start in about 300 hung in Hummingbird's date cache (see `ListeningAddress`), so the
/// address is now tried before anything runs.
@Suite struct TakenPortTests {
    /// A loopback port held by a listening socket of this process.
    final class TakenPort {
        let socket: Int32
        let port: Int

        init() throws {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, length) == 0 && Glibc.listen(socket, 1) == 0 && getsockname(socket, $0, &length) == 0 }
            }
            guard bound else {
                close(socket)
                throw POSIXError(.EADDRINUSE)
            }
            self.socket = socket
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(socket) }
    }

    @Test(arguments: ["auth-service", "blog-service", "observ-collector"])
    func aTakenPortStopsStartUpWithAReason(service: String) async throws {
        let taken = try TakenPort()
        let folder = FileManager.default.temporaryDirectory.appending(path: "taken-port-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = try ServiceProcess(service, environment: [
            "PORT": String(taken.port), "DATABASE_URL": "sqlite:\(folder.path)/db.sqlite", "LOG_FORMAT": "text",
            "JWT_SIGNING_KEY_FILE": "\(folder.path)/keys.json", "INGEST_KEYS": "blog-service:0123456789abcdef0123",
        ])
        // A bound on the wait, not a timing: a service that hangs is killed and the test fails.
        let status = await process.waitForExit(within: 20)
        #expect(status != nil, "\(service) did not exit; its output:\n\(process.capturedOutput)")
        #expect(status.map { $0 != 0 } ?? false)
        #expect(process.capturedOutput.localizedCaseInsensitiveContains("address already in use"), "\(process.capturedOutput)")
        _ = taken
    }
}
