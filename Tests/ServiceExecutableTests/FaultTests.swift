import AsyncHTTPClient
import Foundation
import GRDB
import Glibc
import ServiceTestSupport
import Synchronization
import Testing

/// `make verify`: the promises of a bad day, on the real binaries (run only with `VERIFY=1`; with
/// `VERIFY_QUICK=1` outages are shortened for CI).
enum Verify {
    static var isOn: Bool { ProcessInfo.processInfo.environment["VERIFY"] == "1" }
    static var isQuick: Bool { ProcessInfo.processInfo.environment["VERIFY_QUICK"] == "1" }
    /// How long an outage lasts: a minute, or 20 s (past the verifiers' three missed polls) when quick.
    static var outage: Duration { isQuick ? .seconds(20) : .seconds(60) }
    /// How long the soak lasts: `SOAK_MINUTES` (5 by default, 2 when quick).
    static var soak: Duration {
        .seconds(60 * (ProcessInfo.processInfo.environment["SOAK_MINUTES"].flatMap(Int.init) ?? (isQuick ? 2 : 5)))
    }
}

@Suite(.serialized, .enabled(if: Verify.isOn, "make verify runs these (VERIFY=1)"))
struct FaultTests {
    /// Auth down for a while: the blog and the collector keep verifying tokens issued before with their
    /// cached keys and revocation list, their `/readyz` says what is stale, and all is fresh again once
    /// auth is back.
    @Test(.timeLimit(.minutes(3)))
    func tokensKeepWorkingWhileAuthIsDown() async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()
            let (token, _) = try await stack.session(slug: "outage")
            #expect(await call("GET", stack.blog + "/v1/posts", token: token)?.status == 200)
            try await stack.stop("auth-service", signal: SIGKILL)
            let start = ContinuousClock.now
            var requests = 0
            var refused: [String: Int] = [:]
            var staleSeen = false
            while ContinuousClock.now - start < Verify.outage {
                for url in [stack.blog + "/v1/posts", stack.collector + "/v1/logs/requests?limit=5"] {
                    let answer = await call("GET", url, token: token)
                    requests += 1
                    if answer?.status != 200 { refused["\(url.contains("blog") ? "blog" : "collector") \(answer.map { "\($0.status)" } ?? "no answer")", default: 0] += 1 }
                }
                if !staleSeen, let ready = await call("GET", stack.blog + "/readyz"), String(decoding: ready.body, as: UTF8.self).contains("revocation") {
                    staleSeen = true
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(refused.isEmpty, "\(refused) of \(requests)")
            #expect(staleSeen, "the blog's /readyz names the stale revocation list")
            try await stack.start("auth-service")
            let fresh = try await FaultTests.within(15) {
                guard let ready = await call("GET", stack.blog + "/readyz") else { return false }
                return ready.status == 200 && !String(decoding: ready.body, as: UTF8.self).contains("revocation")
            }
            #expect(fresh, "the warning clears once auth answers")
            #expect(await call("GET", stack.blog + "/v1/posts", token: token)?.status == 200)
            print("verify: auth down \(Verify.outage): \(requests) requests to blog and collector with a token issued before, \(refused.values.reduce(0, +)) refused")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }

    /// The blog or the auth service stopped with SIGTERM under load: it exits within seconds, every
    /// request it answered is in the collector (its buffer flushed), and started again it serves at once.
    @Test(.timeLimit(.minutes(3)), arguments: [("blog-service", "/v1/posts"), ("auth-service", "/v1/auth/me")])
    func aServiceStoppedUnderLoadFlushesEverythingAndServesAgainAtOnce(service: String, route: String) async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()
            let (token, _) = try await stack.session(slug: "restart-\(service.prefix(4))")
            let load = LoadCounters()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while !load.stopped.load(ordering: .relaxed) {
                            if await call("GET", stack.url(service) + route, token: token, timeout: .seconds(5)) != nil {
                                load.answered.add(1, ordering: .relaxed)
                            } else {
                                load.failed.add(1, ordering: .relaxed)
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                }
                try await Task.sleep(for: .seconds(3))
                let stopStart = ContinuousClock.now
                let status = try await stack.stop(service, signal: SIGTERM, within: 20)
                let stopTook = ContinuousClock.now - stopStart
                #expect(status == 0, "exits cleanly")
                #expect(stopTook < .seconds(10), "\(stopTook)")
                load.stopped.store(true, ordering: .relaxed)
                try await group.waitForAll()
                print("verify: \(service) SIGTERM under load: \(load.answered.load(ordering: .relaxed)) answered, \(load.failed.load(ordering: .relaxed)) not (new requests on closing connections), stopped in \(stopTook)")
            }
            // Every answered request was shipped: the buffer was flushed before the exit.
            let expected = load.answered.load(ordering: .relaxed)
            let counted = try await FaultTests.within(10) {
                await FaultTests.count(in: stack.collector, service: service, route: route, token: token) >= expected
            }
            let stored = await FaultTests.count(in: stack.collector, service: service, route: route, token: token)
            #expect(counted && stored == expected, "\(stored) events stored for \(expected) answered requests")
            // Started again, it serves at once (asked by a client of its own: the shared one backs off
            // from a host whose connections were just refused).
            try await stack.start(service)
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let first = await call("GET", stack.url(service) + route, token: token, client: client)
            try await client.shutdown()
            #expect(first?.status == 200, "\(first.map { "\($0.status)" } ?? "no answer")\n\(stack.output(service))")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }

    /// Eight clients reading the blog's posts for `seconds`: (answered, failed, p99 in ms).
    static func readLoad(_ stack: LocalStack, token: String, for duration: Duration) async throws -> (answered: Int, failed: Int, p99: Double) {
        let deadline = ContinuousClock.now + duration
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var latencies: [Double] = []
                    var failed = 0
                    while ContinuousClock.now < deadline {
                        let start = ContinuousClock.now
                        let answer = await call("GET", stack.blog + "/v1/posts", token: token, timeout: .seconds(5))
                        if answer?.status == 200 {
                            let took = ContinuousClock.now - start
                            latencies.append(Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15)
                        } else {
                            failed += 1
                        }
                    }
                    return (latencies, failed)
                }
            }
            return try await group.reduce(into: ([Double](), 0)) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        let sorted = results.0.sorted()
        let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]
        return (sorted.count, results.1, p99)
    }

    /// A value of the blog's `/metrics`.
    static func metric(_ name: String, of stack: LocalStack) async -> Double {
        guard let answer = await call("GET", stack.blog + "/metrics") else { return -1 }
        return value(name, in: answer)
    }

    /// A value of a `/metrics` answer (0 when absent).
    static func value(_ name: String, in metrics: Answer) -> Double {
        prometheusValue(name, in: String(decoding: metrics.body, as: UTF8.self)) ?? 0
    }

    /// The collector down for a while, then back, then hanging (accepting connections, never
    /// answering), then slow (answering after 2 s, then after 7 s, past the shipper's 5 s timeout),
    /// while clients read the blog: the blog answers every request, as fast as with the collector up;
    /// what it buffered is delivered once the collector is back, what did not fit is counted as
    /// dropped, and stored plus dropped is every request answered; what the blog counts as sent is
    /// exactly what was stored (nothing unacknowledged is counted as delivered).
    @Test(.timeLimit(.minutes(6)))
    func theBlogServesOnWhileItsCollectorIsDownOrHangs() async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()
            let (token, _) = try await stack.session(slug: "collector-down")
            let up = try await FaultTests.readLoad(stack, token: token, for: .seconds(5))
            try await stack.stop("observ-collector", signal: SIGKILL)
            let down = try await FaultTests.readLoad(stack, token: token, for: Verify.outage)
            #expect(up.failed == 0 && down.failed == 0, "the blog answers whatever the collector does")
            #expect(FaultTests.asFast(down.p99, as: up.p99), "p99 \(down.p99) ms with the collector down, \(up.p99) ms with it up")
            try await stack.start("observ-collector")
            let drained = try await FaultTests.within(60) { await FaultTests.metric("event_shipper_buffered_events", of: stack) == 0 }
            #expect(drained, "the buffer is delivered once the collector is back")
            let dropped = Int(await FaultTests.metric(#"event_shipper_events_dropped_total{reason="buffer_full"}"#, of: stack))
            let answered = up.answered + down.answered
            let stored = await FaultTests.count(in: stack.collector, route: "/v1/posts", token: token)
            #expect(stored + dropped == answered, "\(stored) stored + \(dropped) dropped of \(answered) answered")
            let sent = Int(await FaultTests.metric("event_shipper_events_sent_total", of: stack))
            #expect(sent == stored, "the blog counts \(sent) events as sent, \(stored) were stored")
            print("""
                verify: collector down \(Verify.outage): blog p99 \(String(format: "%.1f", up.p99)) ms with it up (\(up.answered) requests), \
                \(String(format: "%.1f", down.p99)) ms with it down (\(down.answered)); \(stored) events stored after, \(dropped) dropped (buffer full), 0 lost
                """)

            // A collector that accepts connections and never answers.
            try await stack.stop("observ-collector", signal: SIGKILL)
            let hole = try BlackHole(port: stack.ports["observ-collector"]!)
            let failuresBefore = await FaultTests.metric("event_shipper_send_failures_total", of: stack)
            let hanging = try await FaultTests.readLoad(stack, token: token, for: .seconds(12))
            let failures = await FaultTests.metric("event_shipper_send_failures_total", of: stack) - failuresBefore
            #expect(hanging.failed == 0)
            #expect(FaultTests.asFast(hanging.p99, as: up.p99), "p99 \(hanging.p99) ms with the collector hanging, \(up.p99) ms with it up")
            #expect(failures >= 1, "the shipper's posts time out (5 s) and are tried again")
            print("verify: collector hanging: blog p99 \(String(format: "%.1f", hanging.p99)) ms (\(hanging.answered) requests, none failed), \(Int(failures)) shipper posts timed out")
            hole.close()

            // A collector that answers, but late: first within the shipper's timeout, then past it.
            let slow = SlowCollector(delay: .seconds(2))
            try await slow.whileRunning(port: stack.ports["observ-collector"]!) {
                let late = try await FaultTests.readLoad(stack, token: token, for: .seconds(10))
                slow.delay.withLock { $0 = .seconds(7) }
                let later = try await FaultTests.readLoad(stack, token: token, for: .seconds(12))
                slow.delay.withLock { $0 = .zero }
                let timedOut = await FaultTests.metric("event_shipper_send_failures_total", of: stack) - failuresBefore - failures
                let drained = try await FaultTests.within(60) { await FaultTests.metric("event_shipper_buffered_events", of: stack) == 0 }
                #expect(drained, "the buffer is delivered once the collector answers in time")
                #expect(late.failed == 0 && later.failed == 0)
                #expect(FaultTests.asFast(late.p99, as: up.p99) && FaultTests.asFast(later.p99, as: up.p99), "p99 \(late.p99) and \(later.p99) ms with the collector slow, \(up.p99) ms with it up")
                #expect(timedOut >= 1, "posts answered after 7 s time out (5 s) and are sent again")
                let droppedSince = Int(await FaultTests.metric(#"event_shipper_events_dropped_total{reason="buffer_full"}"#, of: stack)) - dropped
                let sentSince = Int(await FaultTests.metric("event_shipper_events_sent_total", of: stack)) - sent
                let answeredSince = hanging.answered + late.answered + later.answered
                #expect(slow.storedEvents + droppedSince == answeredSince, "\(slow.storedEvents) stored + \(droppedSince) dropped of \(answeredSince) answered")
                #expect(sentSince == slow.storedEvents, "the blog counts \(sentSince) events as sent, \(slow.storedEvents) were stored (each batch once)")
                print("""
                    verify: collector answering after 2 s, then 7 s: blog p99 \(String(format: "%.1f", late.p99)) ms, \(String(format: "%.1f", later.p99)) ms \
                    (\(late.answered + later.answered) requests, none failed); \(Int(timedOut)) posts timed out and were sent again; \
                    since the collector hung: \(slow.storedEvents) events stored once each, \(droppedSince) dropped (buffer full), \(answeredSince) answered
                    """)
            }
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }

    /// The collector killed (SIGKILL) and then stopped (SIGTERM) in the middle of a sustained ingest
    /// from three senders, each sending every batch again under its `Idempotency-Key` until it is
    /// acknowledged: after both, every acknowledged event is stored exactly once.
    @Test(.timeLimit(.minutes(3)))
    func theCollectorKilledOrStoppedUnderIngestKeepsEveryAcknowledgedEventOnce() async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()
            let (token, _) = try await stack.session(slug: "ingest-kill")
            let tenant = try #require(await call("GET", stack.auth + "/v1/auth/me", token: token)?.json()["tenant_id"] as? String)
            let recorder = ClusterTests.Recorder()
            let stopped = LoadCounters()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<3 {
                    group.addTask {
                        var batch = 0
                        while !stopped.stopped.load(ordering: .relaxed) {
                            let ids = (0..<100).map { "k\(sender)-\(batch)-\($0)" }
                            let events: [[String: Any]] = ids.map {
                                ["type": "request", "ts": ClusterTests.timestamp(), "service": "blog-service", "tenant_id": tenant, "request_id": $0,
                                 "method": "GET", "path": "/ingest-under-faults", "status": 200, "duration_ms": 1]
                            }
                            var acknowledged = false
                            while !acknowledged {
                                let answer = await call(
                                    "POST", stack.collector + "/v1/events", token: LocalStack.blogKey, json: ["events": events],
                                    headers: ["Idempotency-Key": "k\(sender)-\(batch)"], timeout: .seconds(5))
                                acknowledged = answer?.status == 202 && answer?.json()["accepted"] as? Int == ids.count
                                recorder.state.withLock { load in
                                    load.ingestTries += 1
                                    if acknowledged { load.acknowledgedEvents += ids } else { load.ingestFailures[ClusterTests.Load.reason(answer), default: 0] += 1 }
                                }
                                if !acknowledged { try await Task.sleep(for: .milliseconds(100)) }
                            }
                            batch += 1
                        }
                    }
                }
                try await Task.sleep(for: .seconds(3))
                try await stack.stop("observ-collector", signal: SIGKILL)
                try await stack.start("observ-collector")
                try await Task.sleep(for: .seconds(3))
                let status = try await stack.stop("observ-collector", signal: SIGTERM, within: 20)
                #expect(status == 0)
                try await stack.start("observ-collector")
                try await Task.sleep(for: .seconds(3))
                stopped.stopped.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }
            let stored = try await loggedRequestIDs(at: stack.collector, filter: "path=/ingest-under-faults", token: token)
            let load = recorder.state.withLock { $0 }
            #expect(stored.count == Set(stored).count, "\(stored.count - Set(stored).count) stored twice")
            let missing = Set(load.acknowledgedEvents).subtracting(stored).count
            #expect(missing == 0 && stored.count == load.acknowledgedEvents.count, "\(missing) acknowledged but missing, \(stored.count) stored of \(load.acknowledgedEvents.count)")
            print("verify: collector SIGKILLed then SIGTERMed under ingest: \(load.acknowledgedEvents.count) events acknowledged, \(stored.count) stored (\(Set(stored).count) distinct); \(load.ingestTries) posts, failed and sent again \(load.ingestFailures)")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }

    /// The collector's database on a disk that fills up (a tmpfs of 3 MiB): ingest answers 503 with
    /// `Retry-After`, never 500, and does not crash; once the disk has room again ingest goes on; the
    /// database is intact and holds every acknowledged event. Skipped where a tmpfs cannot be mounted.
    @Test(.timeLimit(.minutes(3)))
    func aFullDiskIsA503AndIngestRecoversWhenThereIsRoom() async throws {
        let stack = LocalStack()
        let disk = stack.folder.appending(path: "disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard await FaultTests.run("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", disk.path]) else {
            print("verify: disk full skipped: a tmpfs cannot be mounted here (needs root and CAP_SYS_ADMIN)")
            await stack.tearDown()
            return
        }
        do {
            let database = disk.appending(path: "collector.sqlite").path
            try await stack.start("observ-collector", changing: ["DATABASE_URL": "sqlite:\(database)"])
            let tenant = UUID().uuidString.lowercased()
            var acknowledged: [String] = []
            var full: Answer?
            var batch = 0
            while full == nil, batch < 400 {
                let ids = (0..<500).map { "d\(batch)-\($0)" }
                let events: [[String: Any]] = ids.map {
                    ["type": "request", "ts": ClusterTests.timestamp(), "service": "blog-service", "tenant_id": tenant, "request_id": $0,
                     "method": "GET", "path": "/disk-full/" + String(repeating: "x", count: 200), "status": 200, "duration_ms": 1]
                }
                let answer = try #require(await call("POST", stack.collector + "/v1/events", token: LocalStack.blogKey, json: ["events": events]))
                if answer.status == 202 { acknowledged += ids } else { full = answer }
                batch += 1
            }
            let refusal = try #require(full, "the disk never filled")
            #expect(refusal.status == 503 && refusal.retryAfter != nil, "\(refusal.status) \(String(decoding: refusal.body, as: UTF8.self))")
            #expect(await call("GET", stack.collector + "/healthz")?.status == 200, "still running")
            // Room again: ingest goes on.
            #expect(await FaultTests.run("/bin/mount", ["-o", "remount,size=64m", disk.path]))
            let resumed = try await FaultTests.within(10) {
                let events: [[String: Any]] = [["type": "request", "ts": ClusterTests.timestamp(), "service": "blog-service", "tenant_id": tenant,
                                                "request_id": "after", "method": "GET", "path": "/", "status": 200, "duration_ms": 1]]
                return await call("POST", stack.collector + "/v1/events", token: LocalStack.blogKey, json: ["events": events])?.status == 202
            }
            #expect(resumed, "ingest resumes once the disk has room")
            #expect(try await stack.stop("observ-collector", signal: SIGTERM) == 0)
            let pool = try DatabaseQueue(path: database)
            let (integrity, stored) = try await pool.read { db in
                (try String.fetchOne(db, sql: "PRAGMA integrity_check"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE request_id LIKE 'd%'") ?? 0)
            }
            #expect(integrity == "ok")
            #expect(stored == acknowledged.count, "\(stored) stored of \(acknowledged.count) acknowledged")
            print("verify: disk full after \(acknowledged.count) acknowledged events: \(refusal.status) with Retry-After \(refusal.retryAfter ?? "-"); resumed with room; integrity \(integrity ?? "-"), \(stored) stored")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
        _ = await FaultTests.run("/bin/umount", [disk.path])
        try? FileManager.default.removeItem(at: stack.folder)
    }

    /// Runs a command; whether it exited 0.
    static func run(_ command: String, _ arguments: [String]) async -> Bool {
        (try? await CommandOutcome.of(command, arguments))?.status == 0
    }

    /// The three services under a mixed load (reads, writes, logins, refreshes, ingest) from six
    /// clients that each send as soon as answered (the stack at its capacity) for `SOAK_MINUTES`: no
    /// 5xx and no unanswered request, and no growth: each service's peak memory outside SQLite's page
    /// caches at the end within 10 % of its peak in the first minute. The caches fill as the databases
    /// grow, up to their configured sizes; their memory (`sqlite_memory_used_bytes`) must stay within
    /// `sqliteBound`.
    @Test(.timeLimit(.minutes(30)))
    func aSoakUnderMixedLoadAnswersEverythingAndDoesNotGrow() async throws {
        let stack = LocalStack()
        do {
            for service in LocalStack.services { try await stack.start(service, changing: ["LOGIN_RATE_LIMIT": "100000"]) }
            let (token, refresh) = try await stack.session(slug: "soak")
            let tenant = try #require(await call("GET", stack.auth + "/v1/auth/me", token: token)?.json()["tenant_id"] as? String)
            let duration = Verify.soak
            let deadline = ContinuousClock.now + duration
            let outcomes = SoakOutcomes()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<6 {
                    group.addTask {
                        var refreshToken = refresh
                        var step = 0
                        while ContinuousClock.now < deadline {
                            step += 1
                            let kind: String
                            let answer: Answer?
                            switch (client, step % 50) {
                            case (_, 0):
                                kind = "login"
                                answer = await call("POST", stack.auth + "/v1/auth/login", json: [
                                    "tenant": "soak", "email": "admin@soak.test", "password": "correct-horse-battery",
                                ])
                            case (0, _):
                                kind = "refresh"
                                answer = await call("POST", stack.auth + "/v1/auth/refresh", json: ["refresh_token": refreshToken])
                                if let next = answer?.json()["refresh_token"] as? String { refreshToken = next }
                            case (1, _):
                                kind = "ingest"
                                let events: [[String: Any]] = (0..<100).map {
                                    ["type": "request", "ts": ClusterTests.timestamp(), "service": "blog-service", "tenant_id": tenant,
                                     "request_id": "soak-\(step)-\($0)", "method": "GET", "path": "/soak", "status": 200, "duration_ms": 1]
                                }
                                answer = await call("POST", stack.collector + "/v1/events", token: LocalStack.blogKey, json: ["events": events])
                            case (2, _):
                                kind = "write"
                                answer = await call("POST", stack.blog + "/v1/posts", token: token, json: ["title": "soak \(step)", "content": "soak"])
                            default:
                                kind = "read"
                                answer = await call("GET", stack.blog + "/v1/posts", token: token)
                            }
                            outcomes.record(kind, answer)
                        }
                    }
                }
                // Each service's memory, every 5 s.
                group.addTask {
                    let start = ContinuousClock.now
                    while ContinuousClock.now < deadline {
                        for service in LocalStack.services {
                            guard let metrics = await call("GET", stack.url(service) + "/metrics") else { continue }
                            outcomes.sample(service, after: ContinuousClock.now - start, memory: Memory(metrics: metrics))
                        }
                        try await Task.sleep(for: .seconds(5))
                    }
                }
                try await group.waitForAll()
            }
            let firstMinute = min(.seconds(60), duration / 2)
            var lines: [String] = []
            for service in LocalStack.services {
                let samples = outcomes.samples(of: service)
                let early = samples.filter { $0.after <= firstMinute }.map(\.memory.outsideSQLite).max() ?? 0
                let peak = samples.map(\.memory.outsideSQLite).max() ?? 0
                let sqlite = samples.map(\.memory.sqlite).max() ?? 0
                lines.append("""
                    \(service) \(String(format: "%.0f", early)) → \(String(format: "%.0f", peak)) MiB outside SQLite, \
                    SQLite \(String(format: "%.0f", sqlite)) MiB, peak RSS \(String(format: "%.0f", stack.peakResidentMiB(service))) MiB
                    """)
                #expect(samples.count >= 4, "\(service) answered /metrics")
                #expect(peak <= early * 1.10, "\(service): \(early) MiB outside SQLite's caches in the first minute, \(peak) MiB at most later")
                #expect(sqlite <= Self.sqliteBound, "\(service): SQLite holds \(sqlite) MiB")
            }
            let (counts, errors) = outcomes.snapshot()
            #expect(errors.isEmpty, "\(errors)")
            print("verify: soak \(duration): \(counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")); errors \(errors); \(lines.joined(separator: "; "))")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }

    final class SoakOutcomes: Sendable {
        private let state = Mutex<(counts: [String: Int], errors: [String: Int])>(([:], [:]))

        func record(_ kind: String, _ answer: Answer?) {
            state.withLock { state in
                state.counts[kind, default: 0] += 1
                if answer == nil || answer!.status >= 500 { state.errors["\(kind) \(answer.map { "\($0.status)" } ?? "no answer")", default: 0] += 1 }
            }
        }

        func snapshot() -> ([String: Int], [String: Int]) { state.withLock { ($0.counts, $0.errors) } }

        private let memory = Mutex<[String: [(after: Duration, memory: Memory)]]>([:])
        func sample(_ service: String, after: Duration, memory sample: Memory) { memory.withLock { $0[service, default: []].append((after, sample)) } }
        func samples(of service: String) -> [(after: Duration, memory: Memory)] { memory.withLock { $0[service] ?? [] } }
    }

    /// SQLite's memory in a service may reach its page caches' sizes (the writer's 16 MiB, 2 MiB for
    /// each of 4 pool readers, the blog's inline readers' 4 MiB a core), with room for statements.
    static let sqliteBound = 48.0

    /// A service's memory as its `/metrics` reports it, in MiB.
    struct Memory {
        let resident: Double
        let sqlite: Double
        var outsideSQLite: Double { resident - sqlite }

        init(metrics: Answer) {
            resident = FaultTests.value("process_resident_memory_bytes", in: metrics) / 1_048_576
            sqlite = FaultTests.value("sqlite_memory_used_bytes", in: metrics) / 1_048_576
        }
    }

    final class LoadCounters: Sendable {
        let answered = Atomic(0)
        let failed = Atomic(0)
        let stopped = Atomic(false)
    }

    /// The tenant's request events of one route, counted by the collector's statistics.
    static func count(in collector: String, service: String = "blog-service", route: String, token: String) async -> Int {
        guard let stats = await call("GET", collector + "/v1/stats?window=15m", token: token) else { return -1 }
        let items = stats.json()["items"] as? [[String: Any]] ?? []
        return items.filter { $0["service"] as? String == service && $0["route"] as? String == route }.compactMap { $0["count"] as? Int }.reduce(0, +)
    }

    /// Whether a p99 under a fault is within 20 % of the p99 without it (and 5 ms, for the noise of
    /// short runs on a shared machine).
    static func asFast(_ p99: Double, as baseline: Double) -> Bool {
        p99 <= baseline * 1.2 + 5
    }

    static func within(_ seconds: Double, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        try await ClusterTests.within(seconds, condition) != nil
    }
}

/// A listening socket on a given loopback port that never accepts: connections complete in the
/// kernel's backlog and requests are never answered (a hung server).
final class BlackHole {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound, listen(socket, 128) == 0 else {
            Glibc.close(socket)
            throw POSIXError(.EADDRINUSE)
        }
    }

    private var closed = false

    /// Stops listening: what was waiting in the backlog is reset.
    func close() {
        if !closed { Glibc.close(socket) }
        closed = true
    }

    deinit { close() }
}
