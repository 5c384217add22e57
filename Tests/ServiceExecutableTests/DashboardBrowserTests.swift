import Foundation
import Testing

/// The dashboard in a real browser (headless Chromium driven by Selenium, `scripts/dashboard-browser-
/// check.py`) against the three services: a tenant admin signs in through the auth service (a
/// cross-origin call the auth service allows for the collector's origin only), sees the charts drawn
/// from the traffic this test made, opens an error and its trace, and finds the audit entry of the
/// sign-in; an event whose path, user agent and message carry HTML and script is shown as text.
/// Skipped where Chromium, its driver or Selenium is missing, unless `REQUIRE_BROWSER_TESTS=1` (CI).
@Suite struct DashboardBrowserTests {
    static let hostile = "<script>window.__pwned=1</script>"

    static func isAvailable() async -> Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            return false
        }
        return await FaultTests.run("/usr/bin/env", ["python3", "-c", "import selenium"])
    }

    static var isRequired: Bool { ProcessInfo.processInfo.environment["REQUIRE_BROWSER_TESTS"] == "1" }

    @Test(.timeLimit(.minutes(3)))
    func aTenantAdminSeesTheirTrafficAnErrorsTraceAndTheAuditTrailAndNoEventTextRuns() async throws {
        guard await Self.isAvailable() else {
            #expect(!Self.isRequired, "REQUIRE_BROWSER_TESTS=1, but Chromium, chromedriver or Selenium is missing (scripts/install-deps.sh installs them)")
            print("dashboard: skipped (no Chromium, chromedriver or Selenium)")
            return
        }
        let stack = LocalStack()
        do {
            try await stack.start("auth-service", changing: ["CORS_ALLOWED_ORIGINS": stack.collector])
            try await stack.start("blog-service")
            try await stack.start("observ-collector")
            let (token, _) = try await stack.session(slug: "dash")
            let tenant = try #require(await call("GET", stack.auth + "/v1/auth/me", token: token)?.json()["tenant_id"] as? String)

            // Real traffic: reads, writes, and a few 404s.
            for index in 0..<30 {
                _ = await call("GET", stack.blog + "/v1/posts", token: token)
                if index % 5 == 0 { _ = await call("POST", stack.blog + "/v1/posts", token: token, json: ["title": "post \(index)", "content": "c"]) }
                if index % 10 == 0 { _ = await call("GET", stack.blog + "/v1/posts/00000000-0000-0000-0000-000000000000", token: token) }
            }
            // A failed request and its error, in one trace, with hostile text where events carry text.
            let trace = "5c1c63257de34c67a2e3a4cd5b1f2a9e"
            let common: [String: Any] = ["ts": ClusterTests.timestamp(), "service": "blog-service", "tenant_id": tenant, "request_id": "dash-500", "trace_id": trace]
            let events: [[String: Any]] = [
                common.merging([
                    "type": "request", "span_id": "1111111111111111", "method": "GET", "path": "/v1/posts/<img src=x onerror=window.__pwned=1>",
                    "route": "/v1/posts/{id}", "status": 500, "duration_ms": 412, "user_agent": Self.hostile,
                ]) { $1 },
                common.merging([
                    "type": "error", "span_id": "1111111111111111", "level": "error", "error_type": "Internal",
                    "message": "<b>bold</b><img src=x onerror=window.__pwned=1>",
                ]) { $1 },
            ]
            #expect(await call("POST", stack.collector + "/v1/events", token: LocalStack.blogKey, json: ["events": events])?.status == 202)
            let shipped = try await ClusterTests.within(10) {
                let page = await call("GET", stack.collector + "/v1/logs/requests?path=/v1/posts&limit=1", token: token)
                return !(page?.json()["items"] as? [[String: Any]] ?? []).isEmpty
            }
            #expect(shipped != nil, "the blog's events reach the collector")

            let screenshot = ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOT"]
                ?? stack.folder.appending(path: "dashboard.png").path
            let check = try ServiceProcess.python(
                "scripts/dashboard-browser-check.py", "--url", stack.collector + "/dashboard", "--tenant", "dash", "--email", "admin@dash.test",
                "--password", "correct-horse-battery", "--trace", trace, "--hostile", Self.hostile, "--screenshot", screenshot)
            let status = await check.waitForExit(within: 120)
            #expect(status == 0, "\(check.capturedOutput)")
            #expect(FileManager.default.fileExists(atPath: screenshot), "a screenshot is saved")
            print(check.capturedOutput.split(separator: "\n").filter { $0.hasPrefix("dashboard-check") }.joined(separator: "\n") + " (screenshot \(screenshot))")
        } catch {
            Issue.record("\(error)")
        }
        await stack.tearDown()
    }
}
