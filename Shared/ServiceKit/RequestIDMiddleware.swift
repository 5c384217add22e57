import Foundation
import HTTPTypes
import Hummingbird

/// Gives every request an id: the client's `X-Request-ID` when it is a sane token (1–128 printable
/// ASCII characters, no spaces), else a new version 7 UUID (time-ordered, which keeps the collector's
/// index of request ids growing at its end). The id is stored on the context, added to the logger's
/// metadata as `request_id` and echoed on every response, error responses included. Hummingbird's
/// own request id (`hb.request.id`, `context.id`) becomes the same: a request has one id, the one
/// its client sees, and the log lines show it once.
public struct RequestIDMiddleware<Context: ServiceRequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[.requestID].flatMap(Self.sanitized) ?? UUID.version7().lowercasedString
        var context = context
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// The client's id if it is acceptable as it is, nil otherwise.
    static func sanitized(_ value: String) -> String? {
        ClientChosenID.sanitized(value)
    }
}

/// The rule of an id a client chooses (`X-Request-ID`, the collector's `Idempotency-Key`): 1–128
/// printable ASCII characters, no spaces.
public enum ClientChosenID {
    /// `value` when it follows the rule, nil otherwise.
    public static func sanitized(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return value
    }
}

extension HTTPField.Name {
    public static var requestID: Self { .init("X-Request-ID")! }
}
