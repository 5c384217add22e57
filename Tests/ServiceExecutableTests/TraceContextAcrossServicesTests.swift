import Foundation
import Testing

/// W3C trace context through the real binaries: a client that sends one `traceparent` to the auth
/// service and to the blog finds each service's span answered, and every event of those requests, the
/// audit event of its login included, in the collector's view of the trace.
@Suite struct TraceContextAcrossServicesTests {
    @Test(.timeLimit(.minutes(2)))
    func oneTraceparentGathersTheEventsOfEveryServiceItReached() async throws {
        let stack = LocalStack()
        do {
            try await stack.startAll()
            let (admin, _) = try await stack.session(slug: "traced")
            let trace = "0af7651916cd43dd8448eb211c80319c"
            let traceparent = "00-\(trace)-b7ad6b7169203331-01"

            let login = try #require(await call("POST", stack.auth + "/v1/auth/login", json: [
                "tenant": "traced", "email": "admin@traced.test", "password": "correct-horse-battery",
            ], headers: ["traceparent": traceparent, "X-Request-ID": "traced-login"]))
            let posts = try #require(await call("GET", stack.blog + "/v1/posts", token: admin, headers: ["traceparent": traceparent, "X-Request-ID": "traced-posts"]))
            let created = try #require(await call("POST", stack.blog + "/v1/posts", token: admin, json: ["title": "t", "content": "c"], headers: ["traceparent": traceparent, "X-Request-ID": "traced-post"]))
            #expect(login.status == 200 && posts.status == 200 && created.status == 201)
            let spans = [login, posts, created].compactMap { $0.traceparent }.map { $0.split(separator: "-").map(String.init) }
            #expect(spans.count == 3 && spans.allSatisfy { $0.count == 4 && $0[1] == trace && $0[2] != "b7ad6b7169203331" }, "\(spans)")
            #expect(Set(spans.map { $0[2] }).count == 3, "a span of its own for each request")

            let arrived = try await ClusterTests.within(15) {
                let view = await call("GET", stack.collector + "/v1/traces/\(trace)", token: admin)
                return (view?.json()["items"] as? [[String: Any]] ?? []).count >= 4
            }
            #expect(arrived != nil, "the trace's events reach the collector")
            let view = try #require(await call("GET", stack.collector + "/v1/traces/\(trace)", token: admin))
            let events = view.json()["items"] as? [[String: Any]] ?? []
            let summary = events.map { "\($0["service"] as? String ?? "") \($0["type"] as? String ?? "") \($0["request_id"] as? String ?? "") \($0["action"] as? String ?? "")" }
            #expect(Set(summary) == [
                "auth-service request traced-login ", "auth-service audit traced-login login.succeeded",
                "blog-service request traced-posts ", "blog-service request traced-post ",
            ], "\(summary)")
            #expect(events.allSatisfy { $0["trace_id"] as? String == trace })
            let spanOf = Dictionary(events.map { ($0["request_id"] as? String ?? "", $0["span_id"] as? String ?? "") }) { first, _ in first }
            #expect(spanOf["traced-posts"] == spans[1][2] && spanOf["traced-login"] == spans[0][2], "each event names its service's span")
            print("verify: trace \(trace): \(events.count) events from \(Set(events.compactMap { $0["service"] as? String }).sorted())")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }
}
