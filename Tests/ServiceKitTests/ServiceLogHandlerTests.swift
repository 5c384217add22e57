import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import ServiceKit

@Suite struct ServiceLogHandlerTests {
    @Test func jsonLinesAreOneObjectEachWithMetadata() throws {
        let sink = LogSink.capturing()
        var logger = Logger.service("blog-service", level: .debug, format: .json, sink: sink)
        logger[metadataKey: "request_id"] = "r-1"
        logger.info("Created \"post\"\nline two", metadata: ["post_id": "p-9"])
        logger.trace("not shown")
        let lines = sink.lines
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(object["level"] == "info")
        #expect(object["logger"] == "blog-service")
        #expect(object["msg"] == "Created \"post\"\nline two")
        #expect(object["request_id"] == "r-1")
        #expect(object["post_id"] == "p-9")
        #expect(object["ts"].flatMap(Timestamp.parse) != nil)
        #expect(lines[0].hasSuffix("}\n"))
    }

    @Test func textLinesAreReadable() {
        let sink = LogSink.capturing()
        let logger = Logger.service("auth-service", level: .info, format: .text, sink: sink)
        logger.warning("Slow", metadata: ["ms": "12"])
        let line = sink.lines.first ?? ""
        #expect(line.contains(" warning auth-service: Slow ms=12"))
    }

    /// Issue 18: every line of a request carried two ids, Hummingbird's and ours; it carries ours only.
    @Test func aRequestsLinesCarryOneIdTheClients() async throws {
        let sink = LogSink.capturing()
        let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: ServiceMetrics(), readiness: { 1 })
        router.get("/v1/thing") { _, context -> Response in
            #expect(context.id == "client-chosen-id", "Hummingbird's id is the client's too")
            context.logger.info("handled")
            return Response(status: .ok)
        }
        let app = Application(router: router, logger: Logger.service("test-service", level: .info, format: .text, sink: sink))
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/v1/thing", method: .get, headers: [.requestID: "client-chosen-id"])
        }
        let line = try #require(sink.lines.first { $0.contains("handled") })
        #expect(line.contains("request_id=client-chosen-id"))
        #expect(!line.contains("hb.request.id"), "\(line)")
    }

    @Test func controlCharactersAreEscaped() {
        #expect(ServiceLogHandler.jsonString("a\u{1}b") == #""a\u0001b""#)
    }

    /// Finding 11 of the hardening issue: a value with a newline forged a log line of its own.
    @Test func aTextLineCannotBeForgedOrFlooded() {
        let sink = LogSink.capturing()
        let logger = Logger.service("auth-service", level: .info, format: .text, sink: sink)
        let forged = "acme\n2026-11-23T00:00:00.000Z info auth-service: Logged in user_id=admin"
        logger.info("Login refused\r\nfake", metadata: ["tenant": "\(forged)", "quote": "a\" b=c", "flood": "\(String(repeating: "x", count: 1_000_000))"])
        let line = sink.lines.first ?? ""
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"), "one line")
        #expect(line.contains(#"Login refused\r\nfake"#))
        #expect(line.contains(#"tenant="acme\n2026-11-23T00:00:00.000Z info auth-service: Logged in user_id=admin""#))
        #expect(line.contains(#"quote="a\" b=c""#))
        #expect(line.count < 1_400, "a megabyte value is cut")
        #expect(line.contains("…(998976 more)"))
    }

    @Test func jsonValuesAreCutToo() {
        let sink = LogSink.capturing()
        Logger.service("blog-service", level: .info, format: .json, sink: sink)
            .info("Hello", metadata: ["flood": "\(String(repeating: "y", count: 100_000))"])
        #expect((sink.lines.first?.count ?? 0) < 1_300)
    }
}

@Suite struct TimestampTests {
    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_000_000.123)) == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsingAcceptsWithAndWithoutFraction() throws {
        let date = try #require(Timestamp.parse("2026-11-22T10:04:05.123Z"))
        #expect(Timestamp.format(date) == "2026-11-22T10:04:05.123Z")
        #expect(Timestamp.parse("2026-11-22T10:04:05Z") != nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}
