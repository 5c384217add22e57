import Foundation

/// `GET /v1/stats`: per service and route, the count, the 5xx count and duration percentiles.
struct StatsResponse: Codable, Sendable {
    struct RouteStats: Codable, Sendable, Equatable {
        var service: String
        var route: String
        var count: Int
        /// Requests answered with a 5xx.
        var errorCount: Int
        var p50Ms: Double
        var p95Ms: Double
        var p99Ms: Double
    }

    var window: String
    var from: Date
    var to: Date
    var items: [RouteStats]
}

/// `GET /v1/stats/series`: the window cut into steps, oldest first, every step present (a step without
/// requests has counts of 0 and no percentiles).
struct SeriesResponse: Codable, Sendable {
    struct Step: Codable, Sendable, Equatable {
        var start: Date
        var count: Int
        /// Requests answered with a 5xx.
        var errorCount: Int
        var p50Ms: Double?
        var p95Ms: Double?
        var p99Ms: Double?
    }

    var window: String
    var step: String
    var service: String?
    var route: String?
    var from: Date
    var to: Date
    var items: [Step]
}
