import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// `GET /dashboard`: the tenant dashboard, a page of plain HTML, CSS and JavaScript (the files beside
/// this one, embedded in the binary at build time) that signs a tenant admin in at the auth service
/// and draws the tenant's traffic from this collector's routes. Served with a strict
/// Content-Security-Policy: scripts and styles from this origin only, no inline ones, and requests to
/// this origin and the auth service's only.
struct DashboardController: Sendable {
    let page: ByteBuffer
    let script = ByteBuffer(bytes: PackageResources.dashboard_js)
    let style = ByteBuffer(bytes: PackageResources.dashboard_css)
    let icon = ByteBuffer(string: ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2f6fde"/><path d="M3 12l3-4 3 2 4-6" stroke="#fff" stroke-width="1.6" fill="none"/></svg>"##)
    let securityHeaders: HTTPFields

    /// The page for an auth service at `authURL`, the address a browser reaches it at.
    init(authURL: URL) {
        let html = String(decoding: PackageResources.dashboard_html, as: UTF8.self)
        page = ByteBuffer(string: html.replacingOccurrences(of: "{{AUTH_URL}}", with: Self.attributeEscaped(Self.origin(of: authURL))))
        securityHeaders = [
            .contentSecurityPolicy: [
                "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
                "connect-src 'self' \(Self.origin(of: authURL))", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
            ].joined(separator: "; "),
            .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer", .cacheControl: "no-cache",
        ]
    }

    func addRoutes<Context: ServiceRequestContext>(to router: Router<Context>) {
        router.get("/dashboard") { _, _ in self.response(self.page, "text/html; charset=utf-8") }
        router.get("/dashboard/dashboard.js") { _, _ in self.response(self.script, "text/javascript; charset=utf-8") }
        router.get("/dashboard/dashboard.css") { _, _ in self.response(self.style, "text/css; charset=utf-8") }
        router.get("/dashboard/icon.svg") { _, _ in self.response(self.icon, "image/svg+xml") }
    }

    private func response(_ body: ByteBuffer, _ contentType: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// `scheme://host[:port]`: what a Content-Security-Policy and the page's requests need.
    static func origin(of url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "127.0.0.1")\(url.port.map { ":\($0)" } ?? "")"
    }

    static func attributeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension HTTPField.Name {
    static var referrerPolicy: Self { .init("Referrer-Policy")! }
}
