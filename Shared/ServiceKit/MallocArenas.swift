import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's malloc arenas, capped at one a core.
///
/// glibc gives a thread that finds the arenas busy one of its own, up to eight a core, and an arena
/// keeps what was freed in it for its next allocations. The collector's statistics run on its database
/// readers' threads and its ingest on the event loops and the writer's: what the statistics freed
/// stayed in their arenas, out of ingest's reach, and the collector's peak RSS under ingest after them
/// was 96–98 MiB instead of 88–90 (`make bench`, its rows with 2,000,000 events stored). One arena a
/// core measured as fast for ingest (`compare.sh collector-ingest-100` and `-1000`, three pairs each),
/// but cost the blog's reads, many small allocations a request, 3–8 % (`compare.sh blog-get`): only
/// the collector asks for it.
public enum MallocArenas {
    /// The arenas to allow: `cores`, unless the environment sets them already (`MALLOC_ARENA_MAX`, or
    /// `glibc.malloc.arena_max` in `GLIBC_TUNABLES`), which then stands.
    static func limit(environment: [String: String], cores: Int) -> Int? {
        if environment["MALLOC_ARENA_MAX"] != nil { return nil }
        if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.arena_max=") { return nil }
        return max(1, cores)
    }

    /// Caps the arenas at one a core (`System.coreCount`, which heeds a container's CPU limit). Call it
    /// first in `main`, before any thread has started: arenas made before it stay. The number set, or
    /// nil when the environment had set it or this is not glibc.
    @discardableResult
    public static func limitToCores(environment: [String: String]) -> Int? {
        #if canImport(Glibc)
            guard let arenas = limit(environment: environment, cores: System.coreCount), let mallopt else { return nil }
            return mallopt(arenaMaxParameter, Int32(clamping: arenas)) == 1 ? arenas : nil
        #else
            return nil
        #endif
    }

    #if canImport(Glibc)
        /// `M_ARENA_MAX` of glibc's `malloc.h`, which Swift's Glibc module does not include.
        private static let arenaMaxParameter: Int32 = -8

        /// glibc's `mallopt`, looked up in the process (its header is not in Swift's Glibc module).
        private static var mallopt: (@convention(c) (Int32, Int32) -> Int32)? {
            guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        }
    #endif
}
