import CArgon2
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The memory of Argon2 hashes (7 MiB each at `Argon2Parameters.recommended`), mapped from the kernel
/// and handed back to it once hashing stops, instead of coming from `malloc`.
///
/// glibc raises its mmap threshold to the largest block freed, so after one hash every later block up
/// to a hash's size (19 MiB then) came from its heaps, and freed ones stayed there: the auth service
/// held about 20 MiB more after its first hash and about 40 MiB more after a burst of logins (102 MiB
/// under refresh, where no hash runs). `malloc_trim` does not shrink the threads' arenas. Here a hash's
/// block is reused by the next hash while logins keep coming (no page faults to pay again: mapping each
/// hash's memory afresh cost a quarter of login throughput), and unmapped once none has run for
/// `idleRelease`.
final class Argon2Memory: Sendable {
    static let shared = Argon2Memory()

    /// How long blocks are kept after the last hash.
    let idleRelease: Duration

    init(idleRelease: Duration = .seconds(1)) {
        self.idleRelease = idleRelease
    }

    private struct Block: @unchecked Sendable {  // an address and a length, handed between threads under the lock
        let address: UnsafeMutableRawPointer
        let size: Int
    }

    private struct State: ~Copyable {
        var idle: [Block] = []
        var inUse = 0
        /// Changes with every hand-out, so that a release scheduled before it does nothing.
        var generation = 0
    }

    private let state = Mutex(State())

    /// Blocks mapped now, in use or kept.
    var mappedBlocks: Int { state.withLock { $0.idle.count + $0.inUse } }

    /// Blocks handed out so far: what a scheduled release compares with.
    var generation: Int { state.withLock { $0.generation } }

    /// A block of `size` bytes: a kept one of that size, else a new mapping (nil when the kernel has no
    /// memory to give). Transparent huge pages are asked for (`madvise`): where the kernel grants them
    /// (its `madvise` or `always` mode), a hash's block is faulted in 2 MiB at a time instead of 4 KiB.
    func take(_ size: Int) -> UnsafeMutableRawPointer? {
        let kept: Block? = state.withLock { state in
            state.generation += 1
            state.inUse += 1
            guard let index = state.idle.firstIndex(where: { $0.size == size }) else { return nil }
            return state.idle.remove(at: index)
        }
        if let kept { return kept.address }
        let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED else {
            state.withLock { $0.inUse -= 1 }
            return nil
        }
        _ = madvise(address, size, MADV_HUGEPAGE)
        return address
    }

    /// Keeps a block for the next hash; once none has been taken for `idleRelease` after the last one in
    /// use came back, every kept block is unmapped.
    func give(_ address: UnsafeMutableRawPointer, size: Int) {
        let (generation, idle) = state.withLock { state in
            state.inUse -= 1
            state.idle.append(Block(address: address, size: size))
            return (state.generation, state.inUse == 0)
        }
        guard idle else { return }
        let delay = idleRelease.components
        let milliseconds = Int(delay.seconds) * 1000 + Int(delay.attoseconds / 1_000_000_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) {
            self.releaseIfIdle(since: generation)
        }
    }

    /// Unmaps the kept blocks when none was taken since `generation`.
    func releaseIfIdle(since generation: Int) {
        let released: [Block] = state.withLock { state in
            guard state.generation == generation else { return [] }
            defer { state.idle = [] }
            return state.idle
        }
        for block in released { munmap(block.address, block.size) }
    }

    /// The callbacks libargon2 calls (plain C functions: they reach the pool through `shared`).
    static let allocate: allocate_fptr = { memory, size in
        guard let memory, let address = Argon2Memory.shared.take(size) else { return ARGON2_MEMORY_ALLOCATION_ERROR.rawValue }
        memory.pointee = address.assumingMemoryBound(to: UInt8.self)
        return ARGON2_OK.rawValue
    }

    static let deallocate: deallocate_fptr = { memory, size in
        guard let memory else { return }
        Argon2Memory.shared.give(UnsafeMutableRawPointer(memory), size: size)
    }
}
