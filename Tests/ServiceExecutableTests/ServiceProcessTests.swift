import Foundation
import Glibc
import Testing

/// The tests' child processes: every wait for one's exit has a limit, and a process still running at
/// it is killed, so that a service that does not stop fails its test instead of holding the run.
@Suite struct ServiceProcessTests {
    static func shell(_ script: String) throws -> ServiceProcess {
        try ServiceProcess(executable: URL(fileURLWithPath: "/bin/sh"), name: "sh", environment: [:], arguments: ["-c", script])
    }

    @Test func aProcessThatExitsGivesItsStatusToTheWaitUnderWayAndToLaterOnes() async throws {
        let process = try Self.shell("sleep 0.2; exit 3")
        #expect(await process.waitForExit(within: 30) == 3)
        #expect(await process.waitForExit(within: 30) == 3)
    }

    @Test func aProcessStillRunningAtTheLimitIsKilledAndTheWaitAnswersNil() async throws {
        let process = try Self.shell("exec sleep 60")
        #expect(await process.waitForExit(within: 1) == nil)
        // Killed then: its exit comes long before the sleep's minute is up.
        #expect(await process.waitForExit(within: 30) == SIGKILL)
    }

    /// A limit of zero passes about when the wait begins, before or after it: either way it answers.
    @Test func aLimitThatPassesBeforeTheWaitBeginsStillEndsIt() async throws {
        let process = try Self.shell("exec sleep 60")
        #expect(await process.waitForExit(within: 0) == nil)
        #expect(await process.waitForExit(within: 30) == SIGKILL)
    }
}
