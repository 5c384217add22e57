import Foundation
import ServiceKit

/// Holds a `FlatRequestBody` type to `JSONDecoder`: over bodies made of its members (each absent, null,
/// one of its valid values or a value of another kind) with now and then an unknown, escaped or repeated
/// key, whatever `read` reads must be what the contract's decoder reads, and a body of known members
/// with string or null values that the decoder reads must be read by `read` too (so that a member's
/// wire name misspelt in `init(members:)` shows).
public enum FlatRequestBodyCheck {
    /// JSON values that are valid text for any member: escapes of every kind, non-ASCII, empty.
    public static let texts = [
        #""plain""#, #""""#, #""with \"quotes\" and \\ back \/""#, #""\u00e9t\u00E9""#, #""\ud83d\ude00 face""#, "\"é😀 raw\"",
        #""tab\tnew\nline\r\b\f""#,
    ]
    /// JSON values no text member takes, and strings that are not JSON.
    static let others = [
        "1", "-0.5", "true", "false", "{}", #"{"a":"b"}"#, "[]", #"["x"]"#, #""\ud800 lone""#, #""bad \x escape""#,
        "\"raw \u{01} control\"", "\"unterminated", "nul",
    ]

    public struct Outcome: Sendable {
        /// The bodies on which the two disagree, with what each read.
        public var disagreements: [String] = []
        /// How many bodies `read` read (the rest were left to the decoder).
        public var read = 0
        /// How many bodies the decoder read.
        public var decoded = 0
    }

    /// Checks `count` bodies of `type`, whose members are `members` (wire name → valid JSON values;
    /// `texts` when empty).
    public static func run<Body: FlatRequestBody>(_ type: Body.Type, members: [String: [String]], count: Int = 2_000, seed: UInt64 = 0xF1A7) -> Outcome {
        var random = SeededGenerator(state: seed)
        var outcome = Outcome()
        let names = members.keys.sorted()
        for _ in 0..<count {
            var parts: [String] = []
            var plain = true  // known keys, once each, spelt plainly, with string or null values
            for name in names {
                let valid = members[name]!.isEmpty ? texts : members[name]!
                switch Int.random(in: 0..<10, using: &random) {
                case 0, 1: continue
                case 2: parts.append("\"\(name)\":null")
                case 3:
                    let value = others.randomElement(using: &random)!
                    parts.append("\"\(name)\":\(value)")
                    plain = plain && value.hasPrefix("\"")
                default: parts.append("\"\(name)\":" + valid.randomElement(using: &random)!)
                }
            }
            switch Int.random(in: 0..<20, using: &random) {
            case 0: parts.append(#""unknown_member":"x""#); plain = false
            case 1 where !names.isEmpty:
                let name = names.randomElement(using: &random)!
                parts.append("\"\(name)\":\"again\""); plain = false
            case 2 where !names.isEmpty:
                let name = names.randomElement(using: &random)!
                parts.append("\"\\u00\(String(name.utf8.first!, radix: 16))\(name.dropFirst())\":\"escaped key\""); plain = false
            default: break
            }
            parts.shuffle(using: &random)
            let spaced = Bool.random(using: &random)
            let text = spaced ? " { " + parts.joined(separator: " ,\n\t") + "\r\n} " : "{" + parts.joined(separator: ",") + "}"
            let bytes = Array(text.utf8)
            let fast = bytes.withUnsafeBytes { Body.read($0) }
            let decoded = try? ContractJSON.makeDecoder().decode(Body.self, from: Data(bytes))
            if fast != nil { outcome.read += 1 }
            if decoded != nil { outcome.decoded += 1 }
            if let fast, String(reflecting: fast) != decoded.map({ String(reflecting: $0) }) {
                outcome.disagreements.append("\(text): read \(String(reflecting: fast)), decoded \(decoded.map { String(reflecting: $0) } ?? "nothing")")
            } else if fast == nil, plain, let decoded {
                outcome.disagreements.append("\(text): left to the decoder, which read \(String(reflecting: decoded))")
            }
        }
        return outcome
    }
}
