import Foundation
import NIOCore
import PropertyBased
import ServiceKit
import Testing

@testable import ObservCollector

/// The ingest parser reads bodies straight from their bytes and leaves anything but plainly valid
/// input to `JSONDecoder`: whatever it reads, it must read exactly as `JSONDecoder` does.
@Suite struct IngestEventParserTests {
    static let keys = [
        "type", "ts", "service", "status", "duration_ms", "tenant_id", "user_id", "request_id", "method", "path", "route", "client_ip",
        "user_agent", "level", "message", "error_type", "trace_id", "span_id", "action", "outcome", "actor_id", "subject_id", "reason",
        "unknown", "Type", #"t\u0079pe"#, "types", "typ", "duration_ms_", "a_name_longer_than_sixteen_bytes", "clé",
    ]
    /// Values as JSON text: strings with every escape, numbers in every form, literals, nested values,
    /// and some that are not JSON at all.
    static let values = [
        #""request""#, #""error""#, #""audit""#, #""2026-11-22T10:00:00.000Z""#, #""blog-service""#, #""plain""#, #""""#,
        #""with \"quotes\" and \\ back""#, #""\u00e9t\u00E9""#, #""\ud83d\ude00 face""#, "\"é😀 raw\"", #""tab\tnew\nline\r\b\f""#,
        #""\/slash""#, #""\ud800 lone""#, #""bad \x escape""#, "\"raw \u{01} control\"", "\"raw\nnewline\"",
        "200", "-0", "0", "1.5", "1e2", "3.25E-1", "99999999999999999999", "1e400", "-1", "01", "1.", "-", "+1", "2.50",
        "null", "true", "false", #"{"a":[1,{"b":null}],"c":"\""}"#, "[]", "{}", "[1,", "nul",
    ]

    /// The values each key takes when an event is meant to be valid (strings with every escape, numbers in
    /// every form), by key: text for the rest.
    static let validValues: [String: [String]] = [
        "type": [#""request""#, #""error""#, #""audit""#], "ts": [#""2026-11-22T10:00:00.000Z""#, #""x""#],
        "service": [#""blog-service""#, #""auth-service""#],
        "status": ["200", "-0", "0", "-1", "404", "null"], "duration_ms": ["1.5", "3.25E-1", "0", "2.50", "1e2", "99999999999999999999", "-0.0", "null"],
        "unknown": [#"{"a":[1,{"b":null}],"c":"\""}"#, "[]", "{}", "true", "1e400", #""\u00e9""#],
    ]
    static let validTexts = [
        #""plain""#, #""""#, #""with \"quotes\" and \\ back""#, #""\u00e9t\u00E9""#, #""\ud83d\ude00 face""#, "\"é😀 raw\"",
        #""tab\tnew\nline\r\b\f""#, #""\/slash""#, "null",
    ]

    /// An event's JSON text: each member a key and a value, either one meant for the key or any value.
    /// `type`, `ts` and `service` come first when `based`.
    static func eventText(_ members: [(key: Int, value: Int, fitting: Bool)], based: Bool, spaced: Bool) -> String {
        var parts = based ? [#""type":"request""#, #""ts":"2026-11-22T10:00:00.000Z""#, #""service":"blog-service""#] : []
        var used: Set<String> = based ? ["type", "ts", "service"] : []
        for member in members {
            let key = keys[member.key]
            // Meant to be valid: each key once, spelt plainly (JSONDecoder takes repeated and escaped
            // keys too; the parser leaves those to it).
            if member.fitting, used.contains(key) || key.contains("\\") { continue }
            used.insert(key)
            let fitting = validValues[key] ?? validTexts
            parts.append("\"\(key)\":" + (member.fitting ? fitting[member.value % fitting.count] : values[member.value % values.count]))
        }
        let separator = spaced ? " ,\n\t" : ","
        return "{" + (spaced ? " " : "") + parts.joined(separator: separator) + (spaced ? "\r\n" : "") + "}"
    }

    static func parse(_ text: String) -> (fast: [ObservedEvent]?, decoded: [ObservedEvent]?) {
        let bytes = Array(text.utf8)
        let fast = bytes.withUnsafeBytes(IngestEventParser.batch)
        let decoded = try? JSONDecoder().decode(IngestRequestBody.self, from: Data(bytes)).events
        return (fast, decoded)
    }

    /// A member: a key, a value's index, and whether the value is one meant for the key (9 times in 10).
    static let member = Gen<Int>.int(in: 0..<(keys.count * 1_000)).map { (key: $0 % keys.count, value: $0 / keys.count, fitting: $0 % 10 != 0) }

    @Test func whatTheParserReadsIsWhatJSONDecoderReads() async {
        var read = 0
        var decodedOnly = 0
        await propertyCheck(count: 2_000, input: Self.member.array(of: 0...4).array(of: 1...3), Gen<Bool>.bool, Gen<Int>.int(in: 0...3)) { events, spaced, wrapping in
            let inner = events.enumerated().map { Self.eventText($1, based: $0 % 4 != 3, spaced: spaced) }.joined(separator: spaced ? ", " : ",")
            let text = [
                #"{"events":[\#(inner)]}"#, #"{ "other": {"x": [true]}, "events" : [\#(inner)] , "more": 1 }"#,
                #"{"events":[\#(inner)],"events":[]}"#, #"{"events":[\#(inner)]} x"#,
            ][wrapping]
            let (fast, decoded) = Self.parse(text)
            if let fast {
                #expect(fast == decoded, "\(text)")
                read += 1
            } else if decoded != nil {
                decodedOnly += 1
            }
        }
        // The parser must take the common case, not leave everything to JSONDecoder.
        #expect(read > 400, "read \(read), left to JSONDecoder \(decodedOnly)")
    }

    /// Any byte of a valid body changed: the parser reads it as `JSONDecoder` does, or not at all.
    @Test func aBodyWithAByteChangedIsReadAsJSONDecoderReadsItOrLeftToIt() async {
        let body = #"{"events":[{"type":"request","ts":"2026-11-22T10:00:00.000Z","service":"blog-service","status":200,"duration_ms":3.25,"path":"/v1/p\u00e9","x":[{"y":null}]}]}"#
        let table = Array(#"{}[]":,0123456789.eE-+ntrufalse\ "#.utf8) + [0x00, 0x0A, 0x7F, 0xC3, 0xA9, 0xFF]
        let changes = Gen<Int>.int(in: 0..<body.utf8.count).array(of: 1...3)
        await propertyCheck(count: 2_000, input: changes, Gen<Int>.int(in: 0..<table.count)) { positions, byte in
            var bytes = Array(body.utf8)
            for position in positions { bytes[position] = table[(byte + position) % table.count] }
            let fast = bytes.withUnsafeBytes(IngestEventParser.batch)
            let decoded = try? JSONDecoder().decode(IngestRequestBody.self, from: Data(bytes)).events
            if let fast { #expect(fast == decoded, "\(String(decoding: bytes, as: UTF8.self))") }
        }
    }

    @Test func anNDJSONLineIsOneEventAndNothingElse() {
        let line = #"  {"type":"error","ts":"2026-11-22T10:00:00.000Z","service":"auth-service","message":"a \"b\"\nc","status":null}  "#
        let bytes = Array(line.utf8)
        let event = bytes.withUnsafeBytes { IngestEventParser.event($0, in: 0..<bytes.count) }
        #expect(event == (try? JSONDecoder().decode(ObservedEvent.self, from: Data(bytes))))
        #expect(event?.message == "a \"b\"\nc" && event?.status == nil && event?.type == .error)
        let two = Array((line + line).utf8)
        #expect(two.withUnsafeBytes { IngestEventParser.event($0, in: 0..<two.count) } == nil)
    }
}
