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
        let cluster = try await Cluster.start(environment: ["LOGIN_RATE_LIMIT": "20", "SIGNING_KEY_RELOAD_INTERVAL": "500ms"])
        do {
            let (_, admin, access, refresh) = try await Self.session(cluster, slug: "shared")

            // Password changes, 20 a minute per user: the balancer alternates replicas, and together they allow 20.
            var answers: [Int] = []
            for _ in 0..<30 {
                let answer = try #require(await call(
                    "PATCH", cluster.auth + "/v1/users/\(admin)", token: access, json: ["current_password": "wrong-password", "password": "new-password-1234"]))
                answers.append(answer.status)
            }
            #expect(answers.filter { $0 == 429 }.count == 10, "\(answers)")
            #expect(answers.prefix(20).allSatisfy { $0 != 429 }, "\(answers)")

            // A key rotated while the replicas run: published by every auth replica before it signs, then signing.
            let rotate = try ServiceProcess("auth-service", environment: [:], arguments: [
                "rotate-signing-key", "--jwt-signing-key-file", cluster.folder.appending(path: "jwt-signing-keys.json").path,
                "--signing-key-activation-delay", "3s",
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
            let rotated = try await Self.within(10) {
                let answer = await call("POST", cluster.auth + "/v1/auth/refresh", json: ["refresh_token": refreshToken.withLock { $0 }])
                guard let body = answer?.json(), let next = body["refresh_token"] as? String, let token = body["access_token"] as? String else { return false }
                refreshToken.withLock { $0 = next }
                return keyID(of: token) == newKeyID
            }
            #expect(rotated != nil, "the new key signs once active, without a restart")
            let login = try #require(await call(
                "POST", cluster.auth + "/v1/auth/login", json: ["tenant": "shared", "email": "admin@shared.test", "password": Self.password]))
            let newToken = try #require(login.json()["access_token"] as? String)
            #expect(keyID(of: newToken) == newKeyID)
            // Every replica of every service takes the old key's token and the new key's.
            for (service, path) in [("auth-service", "/v1/auth/me"), ("blog-service", "/v1/posts"), ("observ-collector", "/v1/logs/requests")] {
                for port in try cluster.ports(of: service) {
                    for token in [access, newToken] {
                        #expect(await call("GET", "http://127.0.0.1:\(port)\(path)", token: token)?.status == 200, "\(service) on \(port)")
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
}
