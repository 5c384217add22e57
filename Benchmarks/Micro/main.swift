import AuthService
import DatabaseKit
import Foundation
import GRDB
import ObservCollector
import ServiceKit
import Synchronization
import TokenVerification

// Microbenchmarks of the hot paths, in release mode: `make bench` runs them first. Each prints one
// line: name, time per operation, operations per second, iterations.

/// Runs `body` `iterations` times after a warm-up and prints the mean time per call. The loop runs off
/// the main actor, where a service's handlers run: from top-level code each call to a nonisolated async
/// function would otherwise hop to the cooperative pool and back (two thread switches, about 15 µs here).
func measure(_ name: String, iterations: Int, warmUp: Int = 3, _ body: @escaping @Sendable () async throws -> Void) async throws {
    let elapsed = try await Task.detached {
        for _ in 0..<warmUp { try await body() }
        let start = ContinuousClock.now
        for _ in 0..<iterations { try await body() }
        return ContinuousClock.now - start
    }.value
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let perCall = seconds / Double(iterations)
    let (value, unit) = perCall < 1e-3 ? (perCall * 1e6, "µs") : (perCall * 1e3, "ms")
    print("micro|\(name)|\(String(format: "%.2f", value)) \(unit)|\(String(format: "%.0f", 1 / perCall))/s|\(iterations)")
}

/// A step counter the measured closures share (they run off the main actor).
final class Counter: Sendable {
    private let value = Atomic(0)
    /// The next value, from 0.
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

var observed = ObservedEvent(type: .request, at: Date(), service: "blog-service")
observed.requestID = "5c89a438-3b4a-417e-ab98-0bbd3b33a52a"
observed.method = "GET"
observed.path = "/v1/posts/59c515e2-f966-4be8-900a-b40817cca2b1"
observed.route = "/v1/posts/{id}"
observed.status = 200
observed.durationMs = 3.25
observed.clientIP = "203.0.113.7"
observed.userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
let toClamp = observed
if CommandLine.arguments.contains("--clamp-only") {  // for a profiler
    for _ in 0..<200_000 { _ = toClamp.clamped() }
    exit(0)
}
/// One Argon2id hash with the service's parameters, `iterations` times (the login row's goal is a
/// ratio to it; `Benchmarks/report.py` finds it by its name's start, "password hash").
func measurePasswordHash(iterations: Int) async throws {
    let parameters = Argon2Parameters.recommended
    let hasher = PasswordHasher(parameters: parameters)
    let name = "password hash, Argon2id m=\(parameters.memoryKiB / 1024) MiB t=\(parameters.iterations) p=\(parameters.parallelism)"
    try await measure(name, iterations: iterations) { _ = try await hasher.hash("correct horse battery") }
}
// `make bench` measures the hash again just before and after each login row, whose goal is a ratio to
// it: the machine's speed drifts by a fifth and more between the microbenchmarks and that row.
if CommandLine.arguments.contains("--hash-only") {
    try await measurePasswordHash(iterations: 10)
    exit(0)
}

let key = SigningKey.generate()
let signer = AccessTokenSigner(key: key)
let keySet = try await VerificationKeySet.make([key.keyID: key.privateKey.publicKey])
let settings = TokenVerifierSettings(issuer: "http://bench")
func claims() -> AccessTokenClaims {
    let now = Int(Date().timeIntervalSince1970)
    return AccessTokenClaims(
        issuer: "http://bench", audience: "saas-api", subject: UUID().lowercasedString, tenantID: UUID().lowercasedString,
        tenantSlug: "bench", role: .user, tokenID: UUID().lowercasedString, issuedAt: now, notBefore: now, expiresAt: now + 900)
}

try await measure("ES256 token signing", iterations: 2_000) { _ = try signer.sign(claims()) }

var tokens: [String] = []
for _ in 0..<2_003 { tokens.append(try signer.sign(claims())) }
let coldVerifier = AccessTokenVerifier(settings: settings, keys: StaticKeySource(keySet), cache: VerifiedTokenCache(capacity: 1))
let signed = tokens
let nextToken = Counter()
try await measure("token verification, cold (signature checked)", iterations: 2_000) {
    _ = try await coldVerifier.verify(signed[nextToken.next()])
}
let warmVerifier = AccessTokenVerifier(settings: settings, keys: StaticKeySource(keySet))
let warmToken = tokens[0]
try await measure("token verification, warm (cache hit)", iterations: 100_000) { _ = try await warmVerifier.verify(warmToken) }

try await measurePasswordHash(iterations: 20)

let folder = NSTemporaryDirectory() + "micro-\(UUID().uuidString)"
let insert = try CollectorBenchmarkProbes.bulkInserter(path: folder + "/events.sqlite", count: 1_000)
try await measure("collector bulk insert, 1,000 events in one transaction", iterations: 100) { try await insert() }
try? FileManager.default.removeItem(atPath: folder)

let event = #"{"type":"request","ts":"2026-11-22T10:00:00.000Z","service":"blog-service","tenant_id":"6cee89e3-d6e1-4d23-be82-729cd7a1610e","user_id":"acfd4eb7-0143-4ffc-b72f-d1f221bb5232","request_id":"5c89a438-3b4a-417e-ab98-0bbd3b33a52a","method":"GET","path":"/v1/posts/59c515e2-f966-4be8-900a-b40817cca2b1","route":"/v1/posts/{id}","status":200,"duration_ms":3.25,"client_ip":"203.0.113.7","user_agent":"curl/8.5.0"}"#
let batch = Data(("{\"events\":[" + Array(repeating: event, count: 100).joined(separator: ",") + "]}").utf8)
try await measure("ingest batch of 100 events, JSON decoding and validation", iterations: 2_000) {
    _ = try CollectorBenchmarkProbes.decodeAndValidate(batch, service: "blog-service")
}

try await measure("100 events clamped to the collector's limits (the shipper's cost)", iterations: 10_000) {
    for _ in 0..<100 { _ = toClamp.clamped() }
}

// The statement time limit's cost: the same point read on a pool with it (SQLiteDatabase.open) and on
// a plain GRDB pool without it.
var readMigrator = DatabaseMigrator()
readMigrator.registerMigration("t") { db in
    try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    for id in 0..<1_000 { try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [id, "value \(id)"]) }
}
let readFolder = NSTemporaryDirectory() + "micro-read-\(UUID().uuidString)"
let limited = try SQLiteDatabase.open(path: readFolder + "/limited.sqlite", migrator: readMigrator)
var plainConfiguration = Configuration()
plainConfiguration.maximumReaderCount = 4
let plain = try DatabasePool(path: readFolder + "/limited.sqlite", configuration: plainConfiguration)
let rows = Counter()
try await measure("SQLite point read, with the statement time limit", iterations: 20_000) {
    let id = rows.next() * 7 % 1_000
    _ = try await limited.read { db in try String.fetchOne(db, sql: "SELECT v FROM t WHERE id = ?", arguments: [id]) }
}
try await measure("SQLite point read, without it", iterations: 20_000) {
    let id = rows.next() * 7 % 1_000
    _ = try await plain.read { db in try String.fetchOne(db, sql: "SELECT v FROM t WHERE id = ?", arguments: [id]) }
}
try? FileManager.default.removeItem(atPath: readFolder)
