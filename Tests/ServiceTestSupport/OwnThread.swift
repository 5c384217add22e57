import Foundation

/// Runs a blocking `body` (a socket read, a child process waited for) on a thread of its own, so that
/// it never holds one of Swift concurrency's threads: there are as many of those as cores (two in CI),
/// and every test's server, database pool and client share them. Two tests blocking them at once once
/// stalled the whole suite for 20 s, and PostgreSQL tests gave up waiting for migrations that had no
/// thread to run on.
public func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}

/// A command run to its end, with what it printed (standard output and error together).
public struct CommandOutcome: Sendable {
    public let status: Int32
    public let output: String

    /// Runs `executable` with `arguments` on a thread of its own (`onOwnThread`).
    public static func of(_ executable: String, _ arguments: [String]) async throws -> CommandOutcome {
        try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return CommandOutcome(status: process.terminationStatus, output: output)
        }
    }
}
