import Foundation
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService
@testable import BlogService
@testable import ObservCollector

/// The blog service's reporting when the collector is away, full or outlived.
@Suite struct EventShippingTests {
    /// Signs up a tenant at the auth service and returns its admin's token.
    static func adminToken(_ auth: LoopbackHTTP, slug: String) async throws -> String {
        let signUp = try await auth.send(.POST, "/v1/tenants", json: [
            "slug": slug, "name": slug, "admin": ["email": "admin@\(slug).test", "password": "admin-password", "name": "Admin"],
        ])
        #expect(signUp.status == 201)
        let login = try await auth.send(.POST, "/v1/auth/login", json: ["tenant": slug, "email": "admin@\(slug).test", "password": "admin-password"])
        return try login.decode(TokenResponse.self).accessToken
    }

    static func buffered(_ metrics: ServiceMetrics) -> Int {
        prometheusValue("event_shipper_buffered_events", in: metrics.render()).map { Int($0) } ?? -1
    }

    /// With the collector stopped, blog requests are answered while their events wait in the buffer;
    /// once the collector is back, every one of them arrives.
    @Test func eventsWaitForAStoppedCollectorAndAllArrive() async throws {
        let stack = Stack()
        let metrics = ServiceMetrics()
        let (auth, blog, collector) = (stack.authHTTP, stack.blogHTTP, stack.collectorHTTP)
        let ids = (0..<30).map { "down-\($0)" }
        try await stack.withAuth {
            let token = try await Self.adminToken(auth, slug: "down")
            try await stack.withBlog(metrics: metrics) {
                for (index, id) in ids.enumerated() {
                    let reply = try await blog.send(.GET, "/v1/posts", token: token, requestID: id)
                    #expect(reply.status == 200)
                    // Answered while its event is still held: nothing on the request path waited for the collector.
                    #expect(Self.buffered(metrics) == index + 1)
                }
                try await stack.withCollector {
                    let log = try await collector.poll("/v1/logs/requests?limit=100", token: token, as: Page<EventResponse>.self) { page in
                        Set(ids).isSubset(of: Set(page.items.compactMap(\.requestId)))
                    }
                    let arrived = log.items.compactMap(\.requestId).filter { $0.hasPrefix("down-") }
                    #expect(arrived.sorted() == ids.sorted(), "every event, once")
                    // The collector answers 202 after its commit: a query can see the events a moment
                    // before the shipper has read that answer and emptied its buffer.
                    for _ in 0..<500 where Self.buffered(metrics) != 0 { try await Task.sleep(for: .milliseconds(10)) }
                    #expect(Self.buffered(metrics) == 0)
                }
            }
        }
        #expect(metrics.render().contains("event_shipper_events_sent_total 30"))
        #expect(!metrics.render().contains(#"event_shipper_events_dropped_total{reason="buffer_full"} 1"#))
    }

    /// Finding 3 of the hardening issue: a request whose path is over the collector's limit no longer
    /// makes it refuse the batch that carries its neighbours' events; all of them arrive.
    @Test func aLongPathCostsNoOtherEvent() async throws {
        let stack = Stack()
        let metrics = ServiceMetrics()
        let (auth, blog, collector) = (stack.authHTTP, stack.blogHTTP, stack.collectorHTTP)
        try await stack.withCollector {
            try await stack.withAuth {
                let token = try await Self.adminToken(auth, slug: "long-path")
                try await stack.withBlog(metrics: metrics) {
                    _ = try await blog.send(.GET, "/v1/posts", token: token, requestID: "before")
                    let long = "/v1/posts/" + String(repeating: "x", count: 3_000)
                    #expect(try await blog.send(.GET, long, token: token, requestID: "long").status == 404)
                    _ = try await blog.send(.GET, "/v1/posts", token: token, requestID: "after")
                    let log = try await collector.poll("/v1/logs/requests?limit=100", token: token, as: Page<EventResponse>.self) { page in
                        Set(["before", "long", "after"]).isSubset(of: Set(page.items.compactMap(\.requestId)))
                    }
                    let stored = try #require(log.items.first { $0.requestId == "long" })
                    #expect(stored.path?.unicodeScalars.count == 2048)
                }
            }
        }
        #expect(prometheusValue(#"event_shipper_events_dropped_total{reason="refused"}"#, in: metrics.render()) == 0)
        #expect(prometheusValue(#"event_shipper_events_dropped_total{reason="invalid"}"#, in: metrics.render()) == 0)
    }

    /// Past the buffer's bound, new events are dropped and counted, and requests still succeed.
    @Test func theOverflowIsCountedAndRequestsGoOn() async throws {
        var configured = Stack()
        configured.shipperCapacity = 20
        let stack = configured
        let metrics = ServiceMetrics()
        let (auth, blog) = (stack.authHTTP, stack.blogHTTP)
        try await stack.withAuth {
            let token = try await Self.adminToken(auth, slug: "overflow")
            try await stack.withBlog(metrics: metrics) {
                for index in 0..<30 {
                    let status = try await blog.send(.GET, "/v1/posts", token: token, requestID: "over-\(index)").status
                    #expect(status == 200)
                }
                #expect(Self.buffered(metrics) == 20)
                #expect(metrics.render().contains(#"event_shipper_events_dropped_total{reason="buffer_full"} 10"#))
            }
        }
    }

    /// A graceful shutdown of the blog service delivers what it buffered.
    @Test func aGracefulShutdownOfTheBlogDeliversItsBufferedEvents() async throws {
        var configured = Stack()
        configured.flushInterval = .seconds(3600)  // only the shutdown can send them
        let stack = configured
        let (auth, blog, collector) = (stack.authHTTP, stack.blogHTTP, stack.collectorHTTP)
        let ids = (0..<5).map { "bye-\($0)" }
        try await stack.withAuth {
            let token = try await Self.adminToken(auth, slug: "shutdown")
            try await stack.withCollector {
                try await stack.withBlog {
                    for id in ids {
                        let status = try await blog.send(.GET, "/v1/posts", token: token, requestID: id).status
                        #expect(status == 200)
                    }
                }
                // The blog service has stopped.
                let log = try await collector.send(.GET, "/v1/logs/requests?limit=100", token: token).decode(Page<EventResponse>.self)
                #expect(Set(ids).isSubset(of: Set(log.items.compactMap(\.requestId))), "\(log.items.compactMap(\.requestId))")
            }
        }
    }
}
