import AsyncHTTPClient
import Foundation
import NIOCore
import ServiceTestSupport
import Synchronization
import Testing

/// A cluster of `make cluster` (scripts/cluster.sh) started for one test: the built executables, a
/// database per service on the test PostgreSQL server, nginx in front on free loopback ports, state
/// and logs in a folder of its own. `stop()` ends the script, which stops what it started.
final class Cluster: Sendable {
    let folder: URL
    let authPort: Int
    let blogPort: Int
    let collectorPort: Int
    private let script: Process

    /// Whether the cluster can run here: nginx and the test PostgreSQL (`make test` provides both).
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") && TestPostgres.location != nil
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private init(folder: URL, ports: (Int, Int, Int), script: Process) {
        self.folder = folder
        (authPort, blogPort, collectorPort) = ports
        self.script = script
    }

    /// Starts a cluster with `environment` added to the services' settings; returns once every balancer is ready.
    static func start(replicas: Int = 2, environment: [String: String] = [:]) async throws -> Cluster {
        let folder = FileManager.default.temporaryDirectory.appending(path: "cluster-test-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ports = (freeLoopbackPort(), freeLoopbackPort(), freeLoopbackPort())
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/bin/bash")
        script.arguments = [repository.appending(path: "scripts/cluster.sh").path]
        script.currentDirectoryURL = repository
        var settings = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
        settings.merge([
            "REPLICAS": String(replicas), "CLUSTER_DIR": folder.path, "CLUSTER_POSTGRES_URL": try TestPostgres.url(),
            "CLUSTER_BIN": try ServiceProcess.executable("auth-service").deletingLastPathComponent().path,
            "CLUSTER_PARENT_PID": String(getpid()), "AUTH_PORT": String(ports.0), "BLOG_PORT": String(ports.1), "COLLECTOR_PORT": String(ports.2),
        ]) { $1 }
        settings.merge(environment) { $1 }
        script.environment = settings
        let log = try FileHandle(forWritingTo: { () -> URL in
            let url = folder.appending(path: "cluster.out")
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)  // opening it fails when it was not made
            return url
        }())
        script.standardOutput = log
        script.standardError = log
        try script.run()
        let cluster = Cluster(folder: folder, ports: ports, script: script)
        let ready = folder.appending(path: "ready").path
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: ready) {
            guard script.isRunning else { throw NotStarted(output: cluster.output) }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard FileManager.default.fileExists(atPath: ready) else {
            await cluster.stop()
            throw NotStarted(output: cluster.output)
        }
        return cluster
    }

    struct NotStarted: Error, CustomStringConvertible {
        let output: String
        var description: String { "the cluster did not start:\n\(output.suffix(4_000))" }
    }

    /// What the script and the replicas printed.
    var output: String { (try? String(contentsOf: folder.appending(path: "cluster.out"), encoding: .utf8)) ?? "" }

    /// The replicas now: label (`blog-service-1`), pid and port.
    func replicas() throws -> [(label: String, pid: Int32, port: Int)] {
        try String(contentsOf: folder.appending(path: "replicas"), encoding: .utf8).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, let pid = Int32(fields[1]), let port = Int(fields[2]) else { return nil }
            return (String(fields[0]), pid, port)
        }
    }

    /// The ports of one service's replicas.
    func ports(of service: String) throws -> [Int] {
        try replicas().filter { $0.label.hasPrefix(service + "-") }.map(\.port)
    }

    /// Kills a replica outright (SIGKILL); the script starts it again.
    @discardableResult
    func kill(_ label: String) throws -> Int32 {
        let pid = try #require(try replicas().first { $0.label == label }?.pid)
        Foundation.kill(pid, SIGKILL)
        return pid
    }

    /// Stops the script, which stops every process it started; waits for it, and removes the folder.
    func stop() async {
        if script.isRunning {
            // The script's stop file: a test runner may start children with SIGTERM ignored, which a shell cannot trap.
            if !FileManager.default.createFile(atPath: folder.appending(path: "stop").path, contents: nil) {
                Issue.record("Could not write the cluster's stop file in \(folder.path): its processes may be left running")
            }
            for _ in 0..<300 where script.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    var auth: String { "http://127.0.0.1:\(authPort)" }
    var blog: String { "http://127.0.0.1:\(blogPort)" }
    var collector: String { "http://127.0.0.1:\(collectorPort)" }
}

/// An HTTP answer, or nil when there was none (a refused or broken connection, a timeout).
struct Answer: Sendable {
    let status: Int
    let body: Data
    var retryAfter: String? = nil
    var traceparent: String? = nil

    func json() -> [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}

func call(
    _ method: String, _ url: String, token: String? = nil, json: Any? = nil, headers: [String: String] = [:], timeout: Duration = .seconds(10),
    client: HTTPClient = .shared
) async -> Answer? {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    if let json, let data = try? JSONSerialization.data(withJSONObject: json) {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: data))
    }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    do {
        let response = try await client.execute(request, timeout: .init(timeout))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(
            status: Int(response.status.code), body: Data(buffer: body), retryAfter: response.headers.first(name: "Retry-After"),
            traceparent: response.headers.first(name: "traceparent"))
    } catch {
        return nil
    }
}

/// The request ids of the tenant's request log at `collector` matching `filter`, every page.
func loggedRequestIDs(at collector: String, filter: String, token: String) async throws -> [String] {
    var ids: [String] = []
    var cursor: String?
    repeat {
        let page = try #require(await call(
            "GET", collector + "/v1/logs/requests?\(filter)&limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token))
        #expect(page.status == 200)
        ids += (page.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["request_id"] as? String }
        cursor = page.json()["next_cursor"] as? String
    } while cursor != nil
    return ids
}

/// The `kid` of a JWT's header.
func keyID(of token: String) -> String? {
    guard let header = token.split(separator: ".").first else { return nil }
    var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64) else { return nil }
    return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["kid"] as? String
}
