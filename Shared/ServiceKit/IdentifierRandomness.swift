import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random words for identifiers that must not collide but guard nothing: request, trace and span ids,
/// the random part of a post's id. They are the kernel's random bytes, as `SystemRandomNumberGenerator`
/// gives them, but taken 512 bytes at a time: each of that generator's calls is a system call
/// (`getrandom`), and a request made five of them.
///
/// Never for secrets (salts, refresh tokens, keys): those take `SystemRandomNumberGenerator`, so that
/// their bytes never wait in this process's memory before use.
public struct IdentifierRandomness: RandomNumberGenerator {
    public init() {}

    public mutating func next() -> UInt64 {
        Self.pool.withLock { $0.next() }
    }

    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        static let size = 64
        let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: Pool.size)  // lives as long as the process
        var taken = Pool.size

        mutating func next() -> UInt64 {
            if taken == Self.size {
                Self.fill(UnsafeMutableRawBufferPointer(words))
                taken = 0
            }
            defer { taken += 1 }
            return words[taken]
        }

        /// The kernel's random bytes, one system call for the whole pool (`arc4random_buf`: glibc 2.36
        /// and later make it `getrandom`, as Darwin makes it its own).
        private static func fill(_ bytes: UnsafeMutableRawBufferPointer) {
            arc4random_buf(bytes.baseAddress!, bytes.count)
        }
    }
}
