import HTTPTypes

/// An error that a route, a service or a middleware throws to answer with the contract's error body.
///
/// `ErrorResponse` is the one place that turns it (and every other error) into
/// `{"error": {"code", "message", "request_id", "details"}}`.
public struct AppError: Error, Sendable, Equatable {
    /// The contract's error codes, each with its HTTP status.
    public enum Code: String, Sendable, Codable, CaseIterable {
        case badRequest = "bad_request"
        case validationFailed = "validation_failed"
        case authenticationFailed = "authentication_failed"
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case conflict
        case preconditionFailed = "precondition_failed"
        case payloadTooLarge = "payload_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case rateLimited = "rate_limited"
        case `internal`
        case unavailable

        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest, .validationFailed: .badRequest
            case .authenticationFailed: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict: .conflict
            case .preconditionFailed: .preconditionFailed
            case .payloadTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .rateLimited: .tooManyRequests
            case .internal: .internalServerError
            case .unavailable: .serviceUnavailable
            }
        }
    }

    public var code: Code
    public var message: String
    /// Per-field problems; present in the body only when not empty.
    public var details: [FieldError]
    /// Extra response headers, such as `WWW-Authenticate`, `Retry-After` or `Allow`.
    public var headers: HTTPFields

    public init(_ code: Code, _ message: String, details: [FieldError] = [], headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var status: HTTPResponse.Status { code.status }
}

/// One problem with one field of a request, as listed in `details`.
public struct FieldError: Codable, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension AppError {
    public static func badRequest(_ message: String) -> AppError { AppError(.badRequest, message) }

    public static func validationFailed(_ details: [FieldError], message: String = "The request is not valid") -> AppError {
        AppError(.validationFailed, message, details: details)
    }

    public static func notFound(_ message: String = "Not found") -> AppError { AppError(.notFound, message) }

    public static func forbidden(_ message: String = "Not allowed") -> AppError { AppError(.forbidden, message) }

    public static func conflict(_ message: String) -> AppError { AppError(.conflict, message) }

    /// 429 with `Retry-After` in whole seconds (at least 1).
    public static func rateLimited(retryAfterSeconds: Int, message: String = "Too many requests") -> AppError {
        AppError(.rateLimited, message, headers: [.retryAfter: String(max(1, retryAfterSeconds))])
    }

    /// 503 with `Retry-After` in whole seconds (at least 1).
    public static func unavailable(retryAfterSeconds: Int, message: String = "Service unavailable") -> AppError {
        AppError(.unavailable, message, headers: [.retryAfter: String(max(1, retryAfterSeconds))])
    }
}
