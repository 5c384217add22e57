import Foundation
import Synchronization

/// One of the built service executables, run as a child process with its output captured.
final class ServiceProcess: Sendable {
    let name: String
    private let process: Process
    private let output: Pipe
    private let state = State()

    /// What the process's handlers record, shared with them.
    private final class State: Sendable {
        let output = Mutex("")
        /// The exit status once known, and the waits for it before that, by their numbers.
        let exit = Mutex<(status: Int32?, waits: [Int: Wait], lastWait: Int)>((nil, [:], 0))

        /// A wait for the exit: under way, or ended by its time limit before it began.
        enum Wait {
            case waiting(CheckedContinuation<Int32?, Never>)
            case endedEarly
        }

        func exited(_ status: Int32) {
            let waits = exit.withLock { exit in
                exit.status = status
                defer { exit.waits = [:] }
                return exit.waits.values
            }
            for case .waiting(let waiter) in waits { waiter.resume(returning: status) }
        }

        /// The number of a wait about to begin.
        func newWait() -> Int {
            exit.withLock { exit in
                exit.lastWait += 1
                return exit.lastWait
            }
        }

        /// Waits for the exit as wait `number`: its status, or nil once `endWait(number)` ended it.
        func exitStatus(wait number: Int) async -> Int32? {
            await withCheckedContinuation { continuation in
                let answer = exit.withLock { exit -> Int32?? in
                    if let status = exit.status { return .some(status) }
                    if case .endedEarly = exit.waits.removeValue(forKey: number) { return .some(nil) }
                    exit.waits[number] = .waiting(continuation)
                    return .none
                }
                if let answer { continuation.resume(returning: answer) }
            }
        }

        /// Ends wait `number` with nil unless the process exited first (then it is answered already):
        /// whether it ended it. A wait that has not begun yet ends as soon as it begins.
        func endWait(_ number: Int) -> Bool {
            let ended = exit.withLock { exit -> Wait? in
                guard exit.status == nil else { return nil }
                if let wait = exit.waits.removeValue(forKey: number) { return wait }
                exit.waits[number] = .endedEarly
                return .endedEarly
            }
            if case .waiting(let waiter) = ended { waiter.resume(returning: nil) }
            return ended != nil
        }
    }

    /// The executables are built next to the test binary.
    static func executable(_ name: String) throws -> URL {
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let url = directory.appending(path: name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw NotBuilt(path: url.path)
        }
        return url
    }

    struct NotBuilt: Error, CustomStringConvertible {
        let path: String
        var description: String { "no executable at \(path); run `swift build` first" }
    }

    convenience init(_ name: String, environment: [String: String], arguments: [String] = []) throws {
        try self.init(executable: try Self.executable(name), name: name, environment: environment, arguments: arguments)
    }

    /// A script of the repository's (`scripts/…`) run by the `python3` on the PATH, its output captured.
    static func python(_ script: String, _ arguments: String...) throws -> ServiceProcess {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try ServiceProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"), name: script, environment: ProcessInfo.processInfo.environment,
            arguments: ["python3", root.appending(path: script).path] + arguments)
    }

    init(executable: URL, name: String, environment: [String: String], arguments: [String]) throws {
        self.name = name
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]) { a, _ in a }
        let pipe = Pipe()
        output = pipe
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [state] handle in
            let data = handle.availableData
            state.output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        process.terminationHandler = { [state] process in
            state.exited(process.terminationStatus)
        }
        try process.run()
    }

    var capturedOutput: String { state.output.withLock { $0 } }

    var pid: Int32 { process.processIdentifier }

    /// The process's peak resident memory so far (`VmHWM`), in KiB.
    var peakResidentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
    }

    /// Waits until the process exits, for at most `seconds`: its exit status, or nil when it was still
    /// running then; it is then killed (`SIGKILL`) and not waited for. No wait for a process is without
    /// end: one that does not stop fails its test within the limit instead of holding the whole run.
    func waitForExit(within seconds: Int = 60) async -> Int32? {
        let wait = state.newWait()
        let limit = Task { [state, pid = process.processIdentifier] in
            try await Task.sleep(for: .seconds(seconds))
            if state.endWait(wait) { kill(pid, SIGKILL) }
        }
        defer { limit.cancel() }
        guard let status = await state.exitStatus(wait: wait) else { return nil }
        // Let the pipe's last bytes arrive.
        try? await Task.sleep(for: .milliseconds(50))
        return status
    }

    /// The port from the log line `Server started and listening on 127.0.0.1:PORT`.
    func listeningPort(within seconds: Double = 30) async throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let range = capturedOutput.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                return Int(capturedOutput[range].split(separator: ":").last!)!
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw NotListening(output: capturedOutput)
    }

    struct NotListening: Error, CustomStringConvertible {
        let output: String
        var description: String { "the service did not say where it listens; its output:\n\(output)" }
    }

    /// Stops reading the process's output and closes it, as a reader that went away: its writes fail from then on.
    func closeOutput() throws {
        output.fileHandleForReading.readabilityHandler = nil
        try output.fileHandleForReading.close()
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }
}
