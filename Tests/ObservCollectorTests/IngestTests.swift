import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceKit
import ServiceTestSupport
import Testing

@testable import ObservCollector

@Suite struct IngestTests {
    let harness = CollectorTestHarness()

    @Test func anIngestKeyIsRequiredAndChecked() async throws {
        try await harness.test { client in
            let none = try await client.ingest([requestEvent(tenant: harness.acme)], key: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.ingest([requestEvent(tenant: harness.acme)], key: "blog-key-0123456789abcdeX")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.error?.code == .authenticationFailed)
            let adminToken = try await client.ingest([requestEvent(tenant: harness.acme)], key: try await harness.adminToken())
            #expect(adminToken.status == .unauthorized, "a user's access token is no ingest key")
            let right = try await client.ingest([requestEvent(tenant: harness.acme), errorEvent(tenant: harness.acme)])
            #expect(right.status == .accepted)
            #expect(try right.decode(IngestReceipt.self).accepted == 2)
        }
        #expect(try await harness.openStore().count() == 2, "only the right key's events were stored")
    }

    @Test func oneInvalidEventRejectsTheWholeRequestAndStoresNothing() async throws {
        try await harness.test { client in
            var bad = requestEvent(tenant: harness.acme)
            bad["status"] = 42
            let response = try await client.ingest([requestEvent(tenant: harness.acme), requestEvent(tenant: harness.acme), bad])
            #expect(response.status == .badRequest)
            #expect(response.error?.details?.map(\.field) == ["events[2].status"])

            let cases: [(String, [String: Any], String)] = [
                ("missing method", requestEvent(tenant: harness.acme).filter { $0.key != "method" }, "events[1].method"),
                ("missing message", errorEvent(tenant: harness.acme).filter { $0.key != "message" }, "events[1].message"),
                ("unknown type", requestEvent(tenant: harness.acme).merging(["type": "metric"]) { $1 }, "events[1].type"),
                ("bad timestamp", requestEvent(tenant: harness.acme).merging(["ts": "yesterday"]) { $1 }, "events[1].ts"),
                ("tenant not a uuid", requestEvent(tenant: harness.acme).merging(["tenant_id": "acme"]) { $1 }, "events[1].tenant_id"),
                ("negative duration", requestEvent(tenant: harness.acme).merging(["duration_ms": -1]) { $1 }, "events[1].duration_ms"),
                ("wrong type", requestEvent(tenant: harness.acme).merging(["status": "200"]) { $1 }, "events[1].status"),
                ("another service", requestEvent(tenant: harness.acme, service: "auth-service"), "events[1].service"),
                ("huge path", requestEvent(tenant: harness.acme, path: "/" + String(repeating: "p", count: 3000)), "events[1].path"),
            ]
            for (name, event, field) in cases {
                let response = try await client.ingest([requestEvent(tenant: harness.acme), event])
                #expect(response.status == .badRequest, "\(name)")
                #expect(response.error?.details?.first?.field == field, "\(name): \(response.text)")
            }
        }
        #expect(try await harness.openStore().count() == 0)
    }

    @Test func ndjsonCarriesAnEventALine() async throws {
        try await harness.test { client in
            let lines = [requestEvent(tenant: harness.acme), errorEvent(tenant: harness.acme), requestEvent(tenant: nil)]
                .map { String(data: try! JSONSerialization.data(withJSONObject: $0), encoding: .utf8)! }
            let body = ByteBuffer(string: lines.joined(separator: "\n") + "\n\n")
            let response = try await client.send(
                .post, "/v1/events", token: CollectorTestHarness.blogKey, body: body, headers: [.contentType: "application/x-ndjson"])
            #expect(response.status == .accepted)
            #expect(try response.decode(IngestReceipt.self).accepted == 3)

            let broken = ByteBuffer(string: lines[0] + "\n{\"type\": \"request\"\n")
            let refused = try await client.send(
                .post, "/v1/events", token: CollectorTestHarness.blogKey, body: broken, headers: [.contentType: "application/x-ndjson"])
            #expect(refused.status == .badRequest)
            #expect(refused.error?.details?.first?.field.hasPrefix("events[1]") == true, "\(refused.text)")
            let text = try await client.send(.post, "/v1/events", token: CollectorTestHarness.blogKey, body: body, headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType)

            // A keyed NDJSON batch sent twice is stored once, and the retry gets the first answer.
            let keyed: HTTPFields = [.contentType: "application/x-ndjson", .idempotencyKey: "ndjson-batch-1"]
            for _ in 0..<2 {
                let response = try await client.send(.post, "/v1/events", token: CollectorTestHarness.blogKey, body: body, headers: keyed)
                #expect(response.status == .accepted)
                #expect(try response.decode(IngestReceipt.self).accepted == 3)
            }
        }
        #expect(try await harness.openStore().count() == 3 + 3)
    }

    @Test func auditEventsNeedAnActionAndAnOutcomeAndTheirIdsAreChecked() async throws {
        let admin = try await harness.adminToken()
        try await harness.test { client in
            let good: [String: Any] = [
                "type": "audit", "ts": Timestamp.format(Date()), "service": "auth-service", "tenant_id": harness.acme.lowercasedString,
                "action": "login.failed", "outcome": "failure", "reason": "wrong_password", "subject_id": UUID().lowercasedString,
                "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
            ]
            let bad: [(String, String?)] = [
                ("action", nil), ("outcome", nil), ("action", ""), ("actor_id", "me"), ("subject_id", "x"),
                ("trace_id", String(repeating: "0", count: 31)), ("trace_id", "4BF92F3577B34DA6A3CE929D0E0E4736"), ("span_id", "123"),
            ]
            for (field, value) in bad {
                var event = good
                event[field] = value
                let response = try await client.ingest([event], key: CollectorTestHarness.authKey)
                #expect(response.status == .badRequest, "\(field)")
                #expect(response.error?.details?.contains { $0.field == "events[0].\(field)" } == true, "\(field): \(response.text)")
            }
            #expect(try await client.ingest([good], key: CollectorTestHarness.authKey).status == .accepted)
            let page = try await client.logs("audit", "action=login.failed", token: admin)
            #expect(page.items.map(\.reason) == ["wrong_password"])
            #expect(page.items.first?.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(try await client.logs("requests", token: admin).items.isEmpty, "an audit event is not a request")
        }
    }

    @Test func theLimitsAre10000EventsAnd10MiB() async throws {
        try await harness.test { client in
            let event = requestEvent(tenant: harness.acme)
            let most = try await client.ingest(Array(repeating: event, count: 10_000))
            #expect(most.status == .accepted)
            let tooMany = try await client.ingest(Array(repeating: event, count: 10_001))
            #expect(tooMany.status == .contentTooLarge)
            #expect(tooMany.error?.code == .payloadTooLarge)
            let padding = String(repeating: "x", count: 11 << 20)
            let tooBig = try await client.send(
                .post, "/v1/events", token: CollectorTestHarness.blogKey, body: ByteBuffer(string: #"{"events": [], "pad": "\#(padding)"}"#))
            #expect(tooBig.status == .contentTooLarge)
        }
        #expect(try await harness.openStore().count() == 10_000)
    }

    @Test func everyFieldIsStoredAsSent() async throws {
        let user = UUID()
        try await harness.test { client in
            var event = requestEvent(tenant: harness.acme, status: 418, durationMs: 0.25, path: "/v1/ä?q='x'", route: "/v1/{id}", method: "get", requestID: "req-1", userID: user)
            event["user_agent"] = ""
            event["level"] = "info"
            event["message"] = "teapot"
            event["error_type"] = "Teapot"
            try await client.ingest([event])
            let stored = try #require(try await client.logs("requests", token: try await harness.adminToken()).items.first)
            #expect(stored.tenantId == harness.acme.lowercasedString)
            #expect(stored.userId == user.lowercasedString)
            #expect(stored.requestId == "req-1")
            #expect(stored.method == "GET")
            #expect(stored.path == "/v1/ä?q='x'")
            #expect(stored.route == "/v1/{id}")
            #expect(stored.status == 418)
            #expect(stored.durationMs == 0.25)
            #expect(stored.clientIp == "203.0.113.7")
            #expect(stored.userAgent == "", "empty stays empty, not null")
            #expect(stored.level == "info")
            #expect(stored.message == "teapot")
            #expect(stored.errorType == "Teapot")
        }
    }

    @Test func theStoredServiceIsTheKeys() async throws {
        try await harness.test { client in
            #expect(try await client.ingest([requestEvent(tenant: harness.acme, service: "auth-service")], key: CollectorTestHarness.authKey).status == .accepted)
            let events = try await client.logs("requests", token: try await harness.adminToken())
            #expect(events.items.map(\.service) == ["auth-service"])
        }
    }

    @Test func ingestKeysAreParsedStrictly() throws {
        let keys = try IngestKeys(parsing: "blog-service:0123456789abcdef0123, auth-service:abcdefabcdefabcdef")
        #expect(keys.service(forKey: "0123456789abcdef0123") == "blog-service")
        #expect(keys.service(forKey: "abcdefabcdefabcdef") == "auth-service")
        #expect(keys.service(forKey: "abcdefabcdefabcde") == nil)
        for bad in ["blog-service", "blog-service:short", ":0123456789abcdef0123", "a:0123456789abcdef0123,b:0123456789abcdef0123"] {
            #expect(throws: ConfigurationError.self) { try IngestKeys(parsing: bad) }
        }
    }
}
