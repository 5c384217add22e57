import Foundation
import ServiceKit
import ServiceTestSupport
import Testing

@testable import AuthService
@testable import BlogService
@testable import ObservCollector

/// Every metric the alert rules (and, when they exist, the dashboards) name is one the services really
/// export: read from the `/metrics` of the three running services after some traffic, never from a
/// hand-kept list. A renamed metric fails here, not silently in production.
@Suite struct AlertRulesMetricsTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Metric names in the PromQL of `deploy/`'s rules and dashboards: identifiers followed by `{`, `[`
    /// or an operator, without PromQL's own words and labels; histogram series become their family.
    static func namesInQueries() throws -> [String: Set<String>] {
        let folder = repositoryRoot.appendingPathComponent("deploy")
        var found: [String: Set<String>] = [:]
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where ["yml", "yaml", "json"].contains(file.pathExtension) && !file.path.contains("/tests/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            if file.pathExtension == "json" { _ = try JSONSerialization.jsonObject(with: Data(text.utf8)) }  // a broken dashboard fails here
            for expression in Self.expressions(in: text, json: file.pathExtension == "json") {
                for name in Self.metricNames(in: expression) {
                    found[name, default: []].insert(file.lastPathComponent)
                }
            }
        }
        return found
    }

    /// The PromQL of a rules file (`expr:`, with its block lines) or a dashboard (`"expr": "…"`).
    static func expressions(in text: String, json: Bool) -> [String] {
        if json {
            // Every "expr" anywhere in the dashboard's JSON, unescaped.
            func walk(_ value: Any) -> [String] {
                if let object = value as? [String: Any] {
                    return object.flatMap { key, value in key == "expr" ? [value as? String].compactMap { $0 } : walk(value) }
                }
                return (value as? [Any])?.flatMap(walk) ?? []
            }
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8))).map(walk) ?? []
        }
        var expressions: [String] = []
        var current: [String]?
        var indent = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let leading = line.prefix { $0 == " " }.count
            if let match = line.firstMatch(of: /^\s*expr:\s*(.*)$/) {
                if let current { expressions.append(current.joined(separator: " ")) }
                let rest = String(match.output.1)
                current = rest == "|" || rest == ">" ? [] : [rest]
                indent = leading
            } else if current != nil, leading > indent, !line.trimmingCharacters(in: .whitespaces).isEmpty {
                current!.append(String(line))
            } else if let finished = current {
                expressions.append(finished.joined(separator: " "))
                current = nil
            }
        }
        if let current { expressions.append(current.joined(separator: " ")) }
        return expressions
    }

    static let promQLWords: Set<String> = [
        "sum", "avg", "min", "max", "count", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
        "rate", "irate", "increase", "delta", "histogram_quantile", "offset", "bool", "topk", "bottomk", "abs", "clamp_min",
        "clamp_max", "label_replace", "vector", "scalar", "time", "absent", "changes", "resets", "deriv", "predict_linear",
        "avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "count_over_time", "quantile", "le",
    ]

    static func metricNames(in expression: String) -> Set<String> {
        // Label values, label matchers and ranges go first: `{tenant!~"none|other"}`, `[5m]`.
        let withoutStrings = expression.replacing(/"(?:[^"\\]|\\.)*"/, with: "\"\"")
        let labels = labelNamesIn(withoutStrings)
        let stripped = withoutStrings.replacing(/\{[^}]*\}/, with: "{}").replacing(/\[[^\]]*\]/, with: "[]")
        var names: Set<String> = []
        for match in stripped.matches(of: /[a-zA-Z_:][a-zA-Z0-9_:]*/) {
            let word = String(match.output)
            if !promQLWords.contains(word), !labels.contains(word), word.contains("_") || word == "up" { names.insert(word) }
        }
        return names
    }

    /// Words inside `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`: label names, not metrics.
    static func labelNamesIn(_ expression: String) -> Set<String> {
        var labels: Set<String> = []
        for match in expression.matches(of: /(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/) {
            for label in match.output.1.split(separator: ",") { labels.insert(label.trimmingCharacters(in: .whitespaces)) }
        }
        return labels
    }

    /// The metric families a `/metrics` text declares.
    static func families(in text: String) -> Set<String> {
        Set(text.split(separator: "\n").compactMap { line in
            line.hasPrefix("# TYPE ") ? line.split(separator: " ").dropFirst(2).first.map(String.init) : nil
        })
    }

    @Test func theQueryParserFindsMetricsNotLabelsOrFunctions() {
        let names = Self.metricNames(in: #"histogram_quantile(0.99, sum by (job, route, le) (rate(http_request_duration_seconds_bucket{route!~"a|b"}[5m]))) > 0.3 and up == 0"#)
        #expect(names == ["http_request_duration_seconds_bucket", "up"])
        #expect(Self.expressions(in: "      - alert: X\n        expr: |\n          a_total\n          / b_total\n        for: 5m\n", json: false) == ["          a_total           / b_total"])
    }

    @Test func everyMetricTheAlertRulesNameIsExported() async throws {
        let wanted = try Self.namesInQueries()
        #expect(wanted.keys.contains("tenant_requests_total"), "the rules were read: \(wanted.keys.sorted())")
        var quotaOfTen = Stack()
        quotaOfTen.tenantEventBurst = 10
        let stack = quotaOfTen
        let (auth, blog, collector) = (stack.authHTTP, stack.blogHTTP, stack.collectorHTTP)
        try await stack.withAuth {
            try await stack.withCollector {
                try await stack.withBlog {
                    // Traffic that makes every learned series exist: a tenant's requests, a refused batch, and
                    // a tenant over its quota.
                    _ = try await auth.send(.POST, "/v1/tenants", json: [
                        "slug": "metrics", "name": "Metrics", "admin": ["email": "admin@metrics.test", "password": "admin-password", "name": "Admin"],
                    ])
                    let login = try await auth.send(.POST, "/v1/auth/login", json: ["tenant": "metrics", "email": "admin@metrics.test", "password": "admin-password"])
                    let token = try login.decode(TokenResponse.self).accessToken
                    _ = try await blog.send(.GET, "/v1/posts", token: token)
                    _ = try await collector.send(.POST, "/v1/events", token: Stack.blogKey, json: ["events": [["type": "nonsense"]]])
                    let busy = UUID().uuidString.lowercased()
                    let burst = (0..<20).map { index -> [String: Any] in
                        ["type": "request", "ts": "2026-11-23T10:00:00.000Z", "service": "blog-service", "tenant_id": busy,
                         "request_id": "burst-\(index)", "method": "GET", "path": "/v1/posts", "status": 200, "duration_ms": 1.5]
                    }
                    _ = try await collector.send(.POST, "/v1/events", token: Stack.blogKey, json: ["events": burst])
                    var exported: Set<String> = ["up"]  // Prometheus's own, per target
                    for _ in 0..<100 {
                        exported = ["up"]
                        for service in [auth, blog, collector] {
                            exported.formUnion(Self.families(in: String(buffer: try await service.send(.GET, "/metrics").body)))
                        }
                        if exported.contains("tenant_requests_total") { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    for (name, files) in wanted.sorted(by: { $0.key < $1.key }) {
                        let family = name.replacing(/_(bucket|sum|count)$/, with: "")
                        #expect(exported.contains(name) || exported.contains(family), "\(name), named in \(files.sorted()), is not exported")
                    }
                }
            }
        }
    }
}
