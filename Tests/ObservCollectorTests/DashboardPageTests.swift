import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ObservCollector

/// The dashboard's files: served with a strict Content-Security-Policy, the auth service's address
/// filled in (escaped), and nothing in the page that runs inline. Its behaviour in a browser is
/// `DashboardBrowserTests`'.
@Suite struct DashboardPageTests {
    @Test func thePageAndItsFilesAreServedUnderAStrictPolicy() async throws {
        let harness = CollectorTestHarness.with { $0.dashboardAuthURL = URL(string: "https://auth.example.com:8443/ignored?x=\"<")! }
        try await harness.test { client in
            let page = try await client.send(.get, "/dashboard")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self' https://auth.example.com:8443", "frame-ancestors 'none'"] {
                #expect(policy.contains(directive), "\(directive) in \(policy)")
            }
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.text.contains(#"data-auth-url="https://auth.example.com:8443""#))
            #expect(!page.text.contains("<script>"), "no inline script")
            #expect(page.text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "no inline event handler")
            for (path, type) in [("/dashboard/dashboard.js", "text/javascript"), ("/dashboard/dashboard.css", "text/css"), ("/dashboard/icon.svg", "image/svg+xml")] {
                let file = try await client.send(.get, path)
                #expect(file.status == .ok && file.headers[.contentType]?.hasPrefix(type) == true, "\(path)")
            }
            let script = try await client.send(.get, "/dashboard/dashboard.js").text
            #expect(!script.contains("innerHTML") && !script.contains("localStorage") && !script.contains("sessionStorage") && !script.contains("eval("))
        }
    }
}
