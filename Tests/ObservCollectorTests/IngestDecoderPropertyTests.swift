import Foundation
import NIOCore
import PropertyBased
import Synchronization
import ServiceKit
import ServiceTestSupport
import Testing

@testable import ObservCollector

/// Property-based tests of the ingest decoder and validation (the hardening issue's fuzz requirement):
/// generated batches of hostile events, and arbitrary bytes, a bounded number a run. None may crash
/// the collector or answer anything but the contract's 202, 400 or 413; whatever is accepted must
/// also survive the metrics and the queries.
@Suite struct IngestDecoderPropertyTests {
    static let fields = [
        "type", "ts", "service", "tenant_id", "user_id", "request_id", "method", "path", "route", "status", "duration_ms",
        "client_ip", "user_agent", "level", "message", "error_type", "unknown_field",
    ]
    static let values: [any Sendable] = [
        "request", "error", "audit", Timestamp.format(Date()), "2026-13-45T99:99:99Z", "blog-service", "auth-service",
        UUID().lowercasedString, "not-a-uuid", "GET", "get", "/v1/posts", "/v1/posts/{id}", "", "\u{0}", "a\u{1B}b\nc",
        String(repeating: "é", count: 3_000), String(repeating: "e\u{301}", count: 300), 200, 500, 99, 600, -1, 0, 1.5,
        1e17, -1e17, 86_400_000, 86_400_001, Int.max, Int.min, 1e308, true, NSNull(), ["nested": 1], [1, 2],
    ]

    /// A valid event with fields set to hostile values (or removed: the index one past the values).
    static func hostileEvent(_ changes: [(Int, Int)], tenant: UUID) -> [String: Any] {
        var event = requestEvent(tenant: tenant)
        for (field, value) in changes {
            if value == values.count { event[fields[field]] = nil } else { event[fields[field]] = values[value] }
        }
        return event
    }

    @Test func hostileBatchesAreAcceptedOrRefusedNeverFailed() async throws {
        let harness = CollectorTestHarness()
        let admin = try await harness.adminToken()
        let changes = Gen<Int>.int(in: 0...(Self.fields.count * (Self.values.count + 1) - 1))
            .map { ($0 / (Self.values.count + 1), $0 % (Self.values.count + 1)) }.array(of: 0...4)
        let outcomes = Mutex<[Int: Int]>([:])
        try await harness.test { client async throws -> Void in
            await propertyCheck(count: 300, input: changes.array(of: 1...5)) { batch in
                let events = batch.map { Self.hostileEvent($0, tenant: harness.acme) }
                let response = try await client.ingest(events)
                outcomes.withLock { $0[response.status.code, default: 0] += 1 }
                #expect([202, 400].contains(response.status.code), "\(response.status): \(response.text)")
                if response.status.code == 400 { #expect(response.error?.code == .validationFailed || response.error?.code == .badRequest) }
            }
            let seen = outcomes.withLock { $0 }
            #expect(seen[202, default: 0] > 10 && seen[400, default: 0] > 10, "both kinds of batch were tried: \(seen)")
            #expect(try await client.send(.get, "/metrics").status == .ok)
            #expect(try await client.send(.get, "/v1/stats?window=15m", token: admin).status == .ok)
            #expect(try await client.send(.get, "/v1/logs/requests?limit=100", token: admin).status == .ok)
        }
    }

    @Test func arbitraryBytesAreRefusedNeverFailed() async throws {
        let harness = CollectorTestHarness()
        let table: [UInt8] = Array(#"{}[]":,0123456789.eE-+ntrufalse"events"type\"#.utf8) + Array(repeating: 0x0A, count: 4) + (0...255).map(UInt8.init)
        let bytes = Gen<Int>.int(in: 0..<table.count).map { table[$0] }.array(of: 0...300)
        try await harness.test { client in
            await propertyCheck(count: 500, input: bytes, Gen<Bool>.bool) { body, ndjson in
                let response = try await client.send(
                    .post, "/v1/events", token: CollectorTestHarness.blogKey, body: ByteBuffer(bytes: body),
                    headers: [.contentType: ndjson ? "application/x-ndjson" : "application/json"])
                #expect([202, 400, 413].contains(response.status.code), "\(response.status): \(response.text)")
            }
        }
    }
}
