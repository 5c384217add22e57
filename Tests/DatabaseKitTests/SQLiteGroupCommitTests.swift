import Foundation
import GRDB
import ServiceTestSupport
import Synchronization
import Testing

@testable import DatabaseKit

/// Items written by many callers at once share transactions.
///
/// Serialized: each test holds its first group on the writer queue's thread until the others wait, and
/// counts on nothing else writing meanwhile.
@Suite(.serialized) struct SQLiteGroupCommitTests {
    /// A group commit of integer ids into `items`, which records the size of each group it writes and
    /// holds its first group until `waitingBeforeTheFirstCommit` others wait behind it.
    final class Recorder: Sendable {
        final class Shared: Sendable {
            let firstGroupStarted = Atomic(false)
            let groups = Mutex<[Int]>([])
            let writer = Mutex<SQLiteGroupCommit<Int>?>(nil)
        }
        let shared = Shared()
        let pool: DatabasePool
        /// The database's folder, removed with the recorder.
        let folder = TemporaryFolder("group-commit")

        init(maximumGroup: Int, waitingBeforeTheFirstCommit: Int) throws {
            var migrator = DatabaseMigrator()
            migrator.registerMigration("1") { db in try db.execute(sql: "CREATE TABLE items (id INTEGER PRIMARY KEY)") }
            pool = try SQLiteDatabase.open(path: folder.path + "test.sqlite", migrator: migrator)
            let commit = SQLiteGroupCommit<Int>(pool, maximumGroup: maximumGroup) { [shared] db, items in
                if !shared.firstGroupStarted.exchange(true, ordering: .sequentiallyConsistent) {
                    let deadline = ContinuousClock.now + .seconds(10)
                    while shared.writer.withLock({ $0?.waitingCount ?? 0 }) < waitingBeforeTheFirstCommit, ContinuousClock.now < deadline {
                        usleep(1_000)
                    }
                }
                shared.groups.withLock { $0.append(items.count) }
                for item in items { try db.execute(sql: "INSERT INTO items (id) VALUES (?)", arguments: [item]) }
            }
            shared.writer.withLock { $0 = commit }
        }

        var commit: SQLiteGroupCommit<Int> { shared.writer.withLock { $0! } }
        var groups: [Int] { shared.groups.withLock { $0 } }
        var stored: [Int] { get throws { try pool.read { db in try Int.fetchAll(db, sql: "SELECT id FROM items ORDER BY id") } } }

        /// Writes `first`, then, once it is being written, each of `others` at once; every result.
        func write(first: Int, then others: [Int]) async throws -> [Int: Result<Void, any Error>] {
            let commit = self.commit
            return try await GroupCommitCallers.write(first: first, then: others, once: { [shared] in shared.firstGroupStarted.load(ordering: .sequentiallyConsistent) }) {
                try await commit.write($0)
            }
        }
    }

    @Test func aLoneItemIsCommittedAtOnce() async throws {
        let recorder = try Recorder(maximumGroup: 4, waitingBeforeTheFirstCommit: 0)
        try await recorder.commit.write(7)
        #expect(recorder.groups == [1])
        #expect(try recorder.stored == [7])
    }

    @Test func itemsThatArriveDuringACommitShareTheNextOnesUpToTheMaximum() async throws {
        let recorder = try Recorder(maximumGroup: 4, waitingBeforeTheFirstCommit: 10)
        let results = try await recorder.write(first: 0, then: Array(1...10))
        #expect(results.count == 11)
        #expect(results.values.allSatisfy { (try? $0.get()) != nil })
        // The first alone; then the ones that waited for it, four by four.
        #expect(recorder.groups == [1, 4, 4, 2])
        #expect(try recorder.stored == Array(0...10))
        #expect(recorder.commit.waitingCount == 0)
    }

    @Test func aFailingItemFailsAloneAndTheRestOfItsGroupIsStored() async throws {
        let recorder = try Recorder(maximumGroup: 8, waitingBeforeTheFirstCommit: 3)
        try await recorder.pool.write { db in try db.execute(sql: "INSERT INTO items (id) VALUES (2)") }
        let results = try await recorder.write(first: 100, then: [1, 2, 3])
        #expect(results.count == 4)
        #expect(throws: DatabaseError.self) { try results[2]?.get() }
        for item in [100, 1, 3] { #expect((try? results[item]?.get()) != nil, "\(item)") }
        // The group of three failed on the copy of 2, and each of its items was written alone.
        #expect(recorder.groups == [1, 3, 1, 1, 1])
        #expect(try recorder.stored == [1, 2, 3, 100])
    }

    @Test func everyCallerOfAStreamOfWritesIsAnsweredAndNothingIsLeftWaiting() async throws {
        let recorder = try Recorder(maximumGroup: 4, waitingBeforeTheFirstCommit: 0)
        let commit = recorder.commit
        #expect(try await GroupCommitCallers.answers(of: 1...600) { try await commit.write($0) } == 600)
        #expect(try recorder.stored == Array(1...600))
        #expect(commit.waitingCount == 0)
        #expect(recorder.groups.reduce(0, +) == 600)
        #expect(recorder.groups.allSatisfy { $0 <= 4 })
    }
}
