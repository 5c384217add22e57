/// The cost of an Argon2id hash. Stored hashes carry theirs (`$argon2id$v=19$m=19456,t=2,p=1$…`), so
/// raising these later rehashes each password at its next login.
public struct Argon2Parameters: Sendable, Equatable {
    /// Memory in KiB (`m`).
    public var memoryKiB: UInt32
    /// Passes over memory (`t`).
    public var iterations: UInt32
    /// Lanes (`p`).
    public var parallelism: UInt32

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    /// OWASP's Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
    public static let recommended = Argon2Parameters(memoryKiB: 19 * 1024, iterations: 2, parallelism: 1)

    /// The prefix of a hash made with these parameters.
    var encodedPrefix: String { "$argon2id$v=19$m=\(memoryKiB),t=\(iterations),p=\(parallelism)$" }
}
