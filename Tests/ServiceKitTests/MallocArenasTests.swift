import NIOCore
import Testing

@testable import ServiceKit

@Suite struct MallocArenasTests {
    @Test func arenasAreCappedAtOneACore() {
        #expect(MallocArenas.limit(environment: [:], cores: 2) == 2)
        #expect(MallocArenas.limit(environment: ["GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"], cores: 8) == 8)
        #expect(MallocArenas.limit(environment: [:], cores: 0) == 1, "never none")
    }

    @Test func anArenaCountTheEnvironmentSetsStands() {
        #expect(MallocArenas.limit(environment: ["MALLOC_ARENA_MAX": "4"], cores: 2) == nil)
        #expect(MallocArenas.limit(environment: ["GLIBC_TUNABLES": "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=6"], cores: 2) == nil)
    }

    #if canImport(Glibc)
        @Test func glibcTakesTheLimit() {
            #expect(MallocArenas.limitToCores(environment: [:]) == System.coreCount)
            #expect(MallocArenas.limitToCores(environment: ["MALLOC_ARENA_MAX": "8"]) == nil)
        }
    #endif
}
