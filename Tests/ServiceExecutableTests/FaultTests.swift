import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

/// `make verify`: the promises of a bad day, on the real binaries (run only with `VERIFY=1`; with
/// `VERIFY_QUICK=1` outages are shortened for CI).
enum Verify {
    static var isOn: Bool { ProcessInfo.processInfo.environment["VERIFY"] == "1" }
    static var isQuick: Bool { ProcessInfo.processInfo.environment["VERIFY_QUICK"] == "1" }
    /// How long an outage lasts: a minute, or 20 s (past the verifiers' three missed polls) when quick.
    static var outage: Duration { isQuick ? .seconds(20) : .seconds(60) }
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

    /// The blog stopped with SIGTERM under load: it exits within seconds, every request it answered is
    /// in the collector (its buffer flushed), and started again it serves at once.
    @Test(.timeLimit(.minutes(3)))
    func aBlogStoppedUnderLoadFlushesEverythingAndServesAgainAtOnce() async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()
            let (token, _) = try await stack.session(slug: "restart")
            let load = LoadCounters()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while !load.stopped.load(ordering: .relaxed) {
                            if await call("GET", stack.blog + "/v1/posts", token: token, timeout: .seconds(5)) != nil {
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
                let status = try await stack.stop("blog-service", signal: SIGTERM, within: 20)
                let stopTook = ContinuousClock.now - stopStart
                #expect(status == 0, "exits cleanly")
                #expect(stopTook < .seconds(10), "\(stopTook)")
                load.stopped.store(true, ordering: .relaxed)
                try await group.waitForAll()
                print("verify: blog SIGTERM under load: \(load.answered.load(ordering: .relaxed)) answered, \(load.failed.load(ordering: .relaxed)) not (new requests on closing connections), stopped in \(stopTook)")
            }
            // Every answered request was shipped: the buffer was flushed before the exit.
            let expected = load.answered.load(ordering: .relaxed)
            let counted = try await FaultTests.within(10) {
                await FaultTests.count(in: stack.collector, route: "/v1/posts", token: token) >= expected
            }
            let stored = await FaultTests.count(in: stack.collector, route: "/v1/posts", token: token)
            #expect(counted && stored == expected, "\(stored) events stored for \(expected) answered requests")
            // Started again, it serves at once (asked by a client of its own: the shared one backs off
            // from a host whose connections were just refused).
            try await stack.start("blog-service")
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let first = await call("GET", stack.blog + "/v1/posts", token: token, client: client)
            try await client.shutdown()
            #expect(first?.status == 200, "\(first.map { "\($0.status)" } ?? "no answer")\n\(stack.output("blog-service"))")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }

    final class LoadCounters: Sendable {
        let answered = Atomic(0)
        let failed = Atomic(0)
        let stopped = Atomic(false)
    }

    /// The tenant's request events of one route, counted by the collector's statistics.
    static func count(in collector: String, route: String, token: String) async -> Int {
        guard let stats = await call("GET", collector + "/v1/stats?window=15m", token: token) else { return -1 }
        let items = stats.json()["items"] as? [[String: Any]] ?? []
        return items.filter { $0["service"] as? String == "blog-service" && $0["route"] as? String == route }.compactMap { $0["count"] as? Int }.reduce(0, +)
    }

    static func within(_ seconds: Double, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        try await ClusterTests.within(seconds, condition) != nil
    }
}
