import Foundation

/// A stored Argon2id hash in the PHC string form libargon2 writes:
/// `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, salt and hash in standard base64
/// without padding.
///
/// Written and read here rather than by libargon2's `argon2id_hash_encoded` and `argon2id_verify`
/// because those allocate the hash's memory with `malloc`, and glibc then keeps it (see
/// `Argon2Memory`); libargon2 exports no function that only encodes or decodes. Reading is strict: only
/// the form written here (and by libargon2, byte for byte the same) with bounded numbers, so that a
/// damaged row can neither pass nor ask for unbounded memory.
struct Argon2Encoded: Equatable {
    var parameters: Argon2Parameters
    var salt: [UInt8]
    var hash: [UInt8]

    /// What a stored hash may ask for: up to 1 GiB, 64 passes, 16 lanes; salts of 8 to 64 bytes and
    /// hashes of 16 to 64 (libargon2 takes more; no hash of ours uses more).
    static let memoryKiB: ClosedRange<UInt32> = 8...(1 << 20)
    static let iterations: ClosedRange<UInt32> = 1...64
    static let parallelism: ClosedRange<UInt32> = 1...16
    static let saltLength = 8...64
    static let hashLength = 16...64

    var text: String {
        "$argon2id$v=19$m=\(parameters.memoryKiB),t=\(parameters.iterations),p=\(parameters.parallelism)$"
            + Self.base64(salt) + "$" + Self.base64(hash)
    }

    init(parameters: Argon2Parameters, salt: [UInt8], hash: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }

    init?(_ text: String) {
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0].isEmpty, fields[1] == "argon2id", fields[2] == "v=19" else { return nil }
        let costs = fields[3].split(separator: ",", omittingEmptySubsequences: false)
        guard costs.count == 3,
            let memory = Self.number(costs[0], named: "m=", within: Self.memoryKiB),
            let iterations = Self.number(costs[1], named: "t=", within: Self.iterations),
            let parallelism = Self.number(costs[2], named: "p=", within: Self.parallelism),
            memory >= 8 * parallelism,  // libargon2's own floor: eight blocks a lane
            let salt = Self.bytes(fields[4]), Self.saltLength.contains(salt.count),
            let hash = Self.bytes(fields[5]), Self.hashLength.contains(hash.count)
        else { return nil }
        self.init(parameters: Argon2Parameters(memoryKiB: memory, iterations: iterations, parallelism: parallelism), salt: salt, hash: hash)
    }

    /// `name` then a decimal number without leading zeros, within `range`.
    private static func number(_ text: Substring, named name: String, within range: ClosedRange<UInt32>) -> UInt32? {
        guard text.hasPrefix(name) else { return nil }
        let digits = text.dropFirst(name.count)
        guard (1...10).contains(digits.utf8.count), digits.utf8.allSatisfy({ (48...57).contains($0) }),
            digits.utf8.count == 1 || digits.utf8.first != UInt8(ascii: "0"),
            let value = UInt32(digits), range.contains(value)
        else { return nil }
        return value
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Standard base64 without padding, read back only when it is exactly how `base64` writes those
    /// bytes (no padding, no stray bits).
    private static func bytes(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count % 4 != 1, !text.contains("=") else { return nil }
        let padded = String(text) + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { return nil }
        let bytes = [UInt8](data)
        return base64(bytes) == text ? bytes : nil
    }
}
