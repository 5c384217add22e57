/// The cost of an Argon2id hash. Stored hashes carry theirs (`$argon2id$v=19$m=7168,t=5,p=1$…`), so
/// changing these later rehashes each password at its next login.
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

    /// OWASP's Password Storage Cheat Sheet lists five settings of equal defence, from m=46 MiB, t=1 to
    /// m=7 MiB, t=5, "the only difference" being "a trade off between CPU and RAM usage". This is the
    /// one with the least memory: two hashes at once (one a core) take 14 MiB instead of 38 at its
    /// m=19 MiB, t=2, which kept the auth service over its 64 MiB under login, and hash as fast.
    public static let recommended = Argon2Parameters(memoryKiB: 7 * 1024, iterations: 5, parallelism: 1)

    /// The prefix of a hash made with these parameters.
    var encodedPrefix: String { "$argon2id$v=19$m=\(memoryKiB),t=\(iterations),p=\(parallelism)$" }
}
