import Foundation
import ServiceTestSupport
import Synchronization
import Testing

/// The system scaled out (`make cluster`: two replicas of each service behind nginx, one PostgreSQL)
/// behaves as one instance of each: limits, cut-offs and signing keys hold across replicas, and
/// replicas killed under load lose nothing that was acknowledged.
@Suite(.serialized) struct ClusterTests {
    init() throws {
        if !Cluster.isAvailable, TestPostgres.isRequired {
            Issue.record("nginx or the test PostgreSQL is missing (make test installs and starts them)")
        }
    }

    static let password = "correct-horse-battery"

    /// Signs up a tenant and logs its admin in: (tenant id, admin id, access token, refresh token).
    static func session(_ cluster: Cluster, slug: String) async throws -> (tenant: String, admin: String, access: String, refresh: String) {
        let signUp = try #require(await call("POST", cluster.auth + "/v1/tenants", json: [
            "slug": slug, "name": slug, "admin": ["email": "admin@\(slug).test", "password": password, "name": "Admin"],
        ]))
        #expect(signUp.status == 201, "\(String(decoding: signUp.body, as: UTF8.self))")
        let login = try #require(await call(
            "POST", cluster.auth + "/v1/auth/login", json: ["tenant": slug, "email": "admin@\(slug).test", "password": password]))
        #expect(login.status == 200)
        let tenant = try #require((signUp.json()["tenant"] as? [String: Any])?["id"] as? String)
        let admin = try #require((signUp.json()["user"] as? [String: Any])?["id"] as? String)
        return (tenant, admin, try #require(login.json()["access_token"] as? String), try #require(login.json()["refresh_token"] as? String))
    }

    /// Polls `condition` every 100 ms for up to `seconds`; returns the seconds it took, or nil.
    static func within(_ seconds: Double, _ condition: @Sendable () async throws -> Bool) async throws -> Double? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(seconds) {
            if try await condition() { return Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds) }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test(.enabled(if: Cluster.isAvailable, "needs nginx and the test PostgreSQL"), .timeLimit(.minutes(3)))
    func limitsCutOffsAndKeyRotationHoldAcrossReplicas() async throws {
        let ingestKey = "cluster-test-ingest-key-0123456789"
        let cluster = try await Cluster.start(environment: [
            "LOGIN_RATE_LIMIT": "20", "SIGNING_KEY_RELOAD_INTERVAL": "500ms", "LOG_LEVEL": "debug",
            "INGEST_KEYS": "cluster-test:\(ingestKey)", "TENANT_EVENT_RATE": "1", "TENANT_EVENT_BURST": "100",
        ])
        do {
            let (_, admin, access, refresh) = try await Self.session(cluster, slug: "shared")

            // Password changes, 20 a minute per user: the balancer alternates replicas, and together they allow
            // 20 (and one more each 3 s the tries take), where replicas counting alone would allow all 40.
            var answers: [Int] = []
            let started = ContinuousClock.now
            for _ in 0..<40 {
                let answer = try #require(await call(
                    "PATCH", cluster.auth + "/v1/users/\(admin)", token: access, json: ["current_password": "wrong-password", "password": "new-password-1234"]))
                answers.append(answer.status)
            }
            let refilled = Int((ContinuousClock.now - started).components.seconds / 3) + 1
            let allowed = answers.filter { $0 != 429 }.count
            #expect(allowed >= 20 && allowed <= 20 + refilled, "\(allowed) allowed in \(ContinuousClock.now - started): \(answers)")
            #expect(answers.prefix(20).allSatisfy { $0 != 429 }, "\(answers)")

            // A tenant's ingest quota, 100 events at once: four batches of 50 through the balancer, which
            // alternates collectors, store 100 together (and one more a second), where collectors counting
            // alone would store all 200.
            let tenant = UUID().uuidString.lowercased()
            var accepted = 0
            let ingestStarted = ContinuousClock.now
            for batch in 0..<4 {
                let events: [[String: Any]] = (0..<50).map {
                    ["type": "request", "ts": Self.timestamp(), "service": "cluster-test", "tenant_id": tenant, "request_id": "q\(batch)-\($0)",
                     "method": "GET", "path": "/quota", "status": 200, "duration_ms": 1]
                }
                let answer = try #require(await call("POST", cluster.collector + "/v1/events", token: ingestKey, json: ["events": events]))
                #expect(answer.status == 202)
                accepted += answer.json()["accepted"] as? Int ?? 0
            }
            let refill = Int((ContinuousClock.now - ingestStarted).components.seconds) + 1
            #expect(accepted >= 100 && accepted <= 100 + refill, "\(accepted) accepted")

            // A key rotated while the replicas run: published by every auth replica before it signs, then signing.
            let rotate = try ServiceProcess("auth-service", environment: [:], arguments: [
                "rotate-signing-key", "--jwt-signing-key-file", cluster.folder.appending(path: "jwt-signing-keys.json").path,
                // Longer than a verifier's least time between two fetches (5 s): a verifier that fetched the
                // keys just before the rotation may fetch again by the time a token of the new key comes.
                "--signing-key-activation-delay", "6s",
            ])
            #expect(await rotate.waitForExit() == 0)
            let keys = try JSONSerialization.jsonObject(with: Data(contentsOf: cluster.folder.appending(path: "jwt-signing-keys.json"))) as? [String: Any]
            let newKeyID = try #require(((keys?["keys"] as? [[String: Any]])?.first)?["kid"] as? String)
            let authPorts = try cluster.ports(of: "auth-service")
            let published = try await Self.within(3) {
                var all = true
                for port in authPorts {
                    let jwks = await call("GET", "http://127.0.0.1:\(port)/.well-known/jwks.json")
                    all = all && (jwks.map { String(decoding: $0.body, as: UTF8.self).contains(newKeyID) } ?? false)
                }
                return all
            }
            #expect(published != nil, "every auth replica publishes the new key within its reload interval")
            let refreshToken = Mutex(refresh)
            let rotated = try await Self.within(15) {
                let answer = await call("POST", cluster.auth + "/v1/auth/refresh", json: ["refresh_token": refreshToken.withLock { $0 }])
                guard let body = answer?.json(), let next = body["refresh_token"] as? String, let token = body["access_token"] as? String else { return false }
                refreshToken.withLock { $0 = next }
                return keyID(of: token) == newKeyID
            }
            #expect(rotated != nil, "the new key signs once active, without a restart")
            // Each replica takes the new key at its next reload after the activation: both keys are published meanwhile.
            let newTokens = Mutex<[String]>([])
            let everyReplicaSigns = try await Self.within(5) {
                let answer = await call("POST", cluster.auth + "/v1/auth/refresh", json: ["refresh_token": refreshToken.withLock { $0 }])
                guard let body = answer?.json(), let next = body["refresh_token"] as? String, let token = body["access_token"] as? String else { return false }
                refreshToken.withLock { $0 = next }
                newTokens.withLock { $0.append(token) }
                return newTokens.withLock { $0.suffix(4).count == 4 && $0.suffix(4).allSatisfy { keyID(of: $0) == newKeyID } }
            }
            #expect(everyReplicaSigns != nil, "four refreshes in a row through the balancer signed with the new key")
            let newToken = try #require(newTokens.withLock { $0.last })
            // Every replica of every service takes the old key's token and the new key's.
            for (service, path) in [("auth-service", "/v1/auth/me"), ("blog-service", "/v1/posts"), ("observ-collector", "/v1/logs/requests")] {
                for port in try cluster.ports(of: service) {
                    for (name, token) in [("old key", access), ("new key", newToken)] {
                        let answer = await call("GET", "http://127.0.0.1:\(port)\(path)", token: token)
                        #expect(answer?.status == 200, """
                            \(service) on \(port), \(name) \(keyID(of: token) ?? ""): \(answer.map { String(decoding: $0.body, as: UTF8.self) } ?? "no answer")
                            \(cluster.output.split(separator: "\n").filter { $0.contains("JWK") || $0.contains("token") || $0.contains("ey") }.suffix(30).joined(separator: "\n"))
                            """)
                    }
                }
            }

            // "Log out everywhere" through one replica: every replica of every service refuses the old tokens within seconds.
            #expect(await call("POST", cluster.auth + "/v1/auth/logout-all", token: newToken)?.status == 204)
            var targets: [(String, String)] = []
            for (service, path) in [("auth-service", "/v1/auth/me"), ("blog-service", "/v1/posts"), ("observ-collector", "/v1/logs/requests")] {
                targets += try cluster.ports(of: service).map { ("http://127.0.0.1:\($0)\(path)", service) }
            }
            let everyReplica = targets
            let cutOff = try await Self.within(15) {
                for (url, _) in everyReplica {
                    for token in [access, newToken] where await call("GET", url, token: token)?.status != 401 { return false }
                }
                return true
            }
            #expect(cutOff != nil, "a cut-off reaches every replica within the verifiers' poll")
            print("cluster: new key published by every auth replica in \(published ?? -1) s; cut-off refused by all \(targets.count) replicas in \(cutOff ?? -1) s")
        } catch {
            Issue.record("\(error)\n\(cluster.output.suffix(3_000))")
        }
        await cluster.stop()
    }

    /// What the load of `acknowledgedWorkSurvivesReplicasKilledUnderLoad` saw.
    struct Load: Sendable {
        var acknowledgedEvents: [String] = []
        var batches = 0
        var ingestTries = 0
        var ingestFailures: [String: Int] = [:]
        var abandonedBatches = 0
        var posts: [String] = []
        var postTries = 0
        var postFailures: [String: Int] = [:]
        var refreshes = 0
        var refreshFailures: [String: Int] = [:]
        var kills: [String] = []

        static func reason(_ answer: Answer?) -> String { answer.map { "\($0.status)" } ?? "no answer" }
    }

    final class Recorder: Sendable {
        let state = Mutex(Load())
    }

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Three ingest senders (batches of 50 under an `Idempotency-Key`, each sent again until acknowledged),
    /// three blog writers and a refresher run for 20 s through the balancers while one replica after
    /// another is killed with SIGKILL every 3 s (and started again by the cluster). Every acknowledged
    /// event is stored exactly once, every acknowledged post is there, and the requests that failed are
    /// at most those that can have been in flight on a killed replica.
    @Test(.enabled(if: Cluster.isAvailable, "needs nginx and the test PostgreSQL"), .timeLimit(.minutes(4)))
    func acknowledgedWorkSurvivesReplicasKilledUnderLoad() async throws {
        let ingestKey = "cluster-test-ingest-key-0123456789"
        let cluster = try await Cluster.start(environment: [
            "INGEST_KEYS": "cluster-test:\(ingestKey)", "REFRESH_REUSE_GRACE": "60s", "TENANT_EVENT_RATE": "1000000", "TENANT_EVENT_BURST": "1000000",
        ])
        do {
            let (tenant, _, access, refresh) = try await Self.session(cluster, slug: "load")
            let recorded = Recorder()
            let deadline = ContinuousClock.now + .seconds(20)
            let concurrency = 3
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<concurrency {
                    group.addTask {
                        var batch = 0
                        while ContinuousClock.now < deadline {
                            let ids = (0..<50).map { "s\(sender)-b\(batch)-e\($0)" }
                            let events: [[String: Any]] = ids.map {
                                [
                                    "type": "request", "ts": Self.timestamp(), "service": "cluster-test", "tenant_id": tenant, "request_id": $0,
                                    "method": "GET", "path": "/load", "status": 200, "duration_ms": 1,
                                ]
                            }
                            var acknowledged = false
                            for _ in 0..<100 where !acknowledged {
                                let answer = await call(
                                    "POST", cluster.collector + "/v1/events", token: ingestKey, json: ["events": events],
                                    headers: ["Idempotency-Key": "s\(sender)-b\(batch)"], timeout: .seconds(5))
                                acknowledged = answer?.status == 202 && answer?.json()["accepted"] as? Int == ids.count
                                recorded.state.withLock { load in
                                    load.ingestTries += 1
                                    if acknowledged { load.acknowledgedEvents += ids } else { load.ingestFailures[Load.reason(answer), default: 0] += 1 }
                                }
                                if !acknowledged { try await Task.sleep(for: .milliseconds(100)) }
                            }
                            recorded.state.withLock { load in
                                load.batches += 1
                                if !acknowledged { load.abandonedBatches += 1 }
                            }
                            batch += 1
                        }
                    }
                }
                for writer in 0..<concurrency {
                    group.addTask {
                        var number = 0
                        while ContinuousClock.now < deadline {
                            let answer = await call("POST", cluster.blog + "/v1/posts", token: access, json: ["title": "w\(writer)-\(number)", "content": "load"])
                            recorded.state.withLock { load in
                                load.postTries += 1
                                if answer?.status == 201, let id = answer?.json()["id"] as? String { load.posts.append(id) } else {
                                    load.postFailures[Load.reason(answer), default: 0] += 1
                                }
                            }
                            number += 1
                        }
                    }
                }
                group.addTask {
                    var token = refresh
                    while ContinuousClock.now < deadline {
                        // A refresh lost with its replica may have rotated the token: the grace takes it once more.
                        let answer = await call("POST", cluster.auth + "/v1/auth/refresh", json: ["refresh_token": token])
                        recorded.state.withLock { load in
                            load.refreshes += 1
                            if answer?.status != 200 { load.refreshFailures[Load.reason(answer), default: 0] += 1 }
                        }
                        if let next = answer?.json()["refresh_token"] as? String { token = next }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                group.addTask {
                    let order = ["blog-service-1", "observ-collector-1", "auth-service-1", "blog-service-2", "observ-collector-2", "auth-service-2"]
                    try await Task.sleep(for: .seconds(2))
                    var next = 0
                    while ContinuousClock.now + .seconds(3) < deadline {
                        try cluster.kill(order[next % order.count])
                        recorded.state.withLock { $0.kills.append(order[next % order.count]) }
                        next += 1
                        try await Task.sleep(for: .seconds(3))
                    }
                }
                try await group.waitForAll()
            }

            // Every acknowledged event, exactly once: the tenant's log of the sender, page by page.
            let stored = try await loggedRequestIDs(at: cluster.collector, filter: "service=cluster-test", token: access)
            let load = recorded.state.withLock { $0 }
            #expect(load.abandonedBatches == 0)
            #expect(stored.count == Set(stored).count, "no event stored twice: \(stored.count - Set(stored).count) duplicates")
            #expect(Set(stored) == Set(load.acknowledgedEvents), "every acknowledged event stored: \(Set(load.acknowledgedEvents).subtracting(stored).count) missing")
            // Every acknowledged post is there.
            var missingPosts = 0
            for id in load.posts where await call("GET", cluster.blog + "/v1/posts/\(id)", token: access)?.status != 200 { missingPosts += 1 }
            #expect(missingPosts == 0)
            // A killed replica can fail at most the requests in flight on it: one per client of its service.
            let blogKills = load.kills.filter { $0.hasPrefix("blog") }.count
            let authKills = load.kills.filter { $0.hasPrefix("auth") }.count
            #expect(load.kills.count >= 5)
            #expect(load.postFailures.values.reduce(0, +) <= blogKills * concurrency, "\(load.postFailures)")
            #expect(load.refreshFailures.values.reduce(0, +) <= authKills, "\(load.refreshFailures)")
            print("""
                cluster under kills: \(load.kills.count) replicas killed (\(load.kills.joined(separator: ", ")));
                  ingest: \(load.batches) batches, \(load.acknowledgedEvents.count) events acknowledged, \(stored.count) stored (\(Set(stored).count) distinct), \(load.ingestTries) posts, failed tries \(load.ingestFailures) (each sent again under its key)
                  blog: \(load.postTries) creates, \(load.posts.count) acknowledged, \(missingPosts) missing, failed \(load.postFailures)
                  auth: \(load.refreshes) refreshes, failed \(load.refreshFailures)
                """)
        } catch {
            Issue.record("\(error)\n\(cluster.output.suffix(3_000))")
        }
        await cluster.stop()
    }
}
