import Foundation
import Hummingbird
import Logging

/// The one place where errors become the contract's error body (`ServiceMiddleware` catches them).
///
/// Whatever a route or an inner middleware throws is answered here: an `AppError` as it says, a
/// Hummingbird `HTTPError` (unknown route, body over the limit, …) with the matching code, a
/// `DecodingError` as 400, and anything else as a 500 whose message reveals nothing (the error is
/// logged). Every error body carries the request id.
public enum ErrorResponse {
    /// The answer to `error`, thrown while `context`'s request was handled: logged when internal, and
    /// recorded in the request's observation when a 5xx.
    static func answer(_ error: any Error, context: some ServiceRequestContext) -> Response {
        let appError = AppError(error)
        if appError.code == .internal {
            context.logger.error("Unhandled error", metadata: ["error": "\(String(reflecting: error))"])
        }
        if appError.status.code >= 500 {
            // The event goes to the tenant's error log: it tells what the client was told, never the
            // internal description (SQL text, file paths), which stays in the service's own log.
            context.observation?.recordFailure(type: String(reflecting: type(of: error)), message: appError.internalFailureMessage)
        }
        return response(for: appError, requestID: context.requestID)
    }

    /// The response for an error, in the contract's shape.
    public static func response(for error: AppError, requestID: String) -> Response {
        let body = ErrorBody(error, requestID: requestID.isEmpty ? nil : requestID)
        // Encoding these few strings cannot fail; the fallback keeps the status in any case.
        return (try? Response.json(body, status: error.status, headers: error.headers)) ?? Response(status: error.status, headers: error.headers)
    }
}

/// An error of a library that some of whose cases the contract names (a database's interrupted
/// statement is a 503, not a 500). Conformances live with the library's wrapper (DatabaseKit).
public protocol ContractErrorConvertible: Error {
    /// The contract's error for this one, or nil for an internal error.
    var appError: AppError? { get }
}

extension AppError {
    /// Any error as the contract's error.
    public init(_ error: any Error) {
        switch error {
        case let error as AppError:
            self = error
        case let error as any ContractErrorConvertible where error.appError != nil:
            self = error.appError!
        case let error as DecodingError:
            self.init(decoding: error)
        case let error as HTTPError:
            self.init(status: error.status, message: error.body)
            // Keep what Hummingbird meant to send, such as `Allow` or `Retry-After`.
            headers = error.headers
        case let error as any HTTPResponseError:
            self.init(status: error.status, message: nil)
        default:
            self = AppError(.internal, "Internal server error")
        }
    }

    /// What an `error` event says of this failure: the message the client got, and for an internal error
    /// a pointer to the service's log, which alone has the details.
    public var internalFailureMessage: String {
        code == .internal ? "Internal server error; the service's log has the details under this request id" : message
    }

    /// The contract's error for a status that Hummingbird (or a library) chose.
    init(status: HTTPResponse.Status, message: String?) {
        let code: Code =
            switch status {
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .contentTooLarge: .payloadTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .unauthorized: .authenticationFailed
            case .forbidden: .forbidden
            case .conflict: .conflict
            case .preconditionFailed: .preconditionFailed
            case .tooManyRequests: .rateLimited
            case .serviceUnavailable: .unavailable
            default: status.kind == .clientError ? .badRequest : .internal
            }
        let fallback: String =
            switch code {
            case .notFound: "Not found"
            case .payloadTooLarge: "The request body is too large"
            case .internal: "Internal server error"
            default: status.reasonPhrase
            }
        // A library's message is shown only for client errors; a 5xx never leaks internals.
        let shown = code == .internal ? fallback : (message.flatMap { $0.isEmpty ? nil : $0 } ?? fallback)
        self.init(code, shown)
    }
}
