import Foundation
import HTTPTypes
import Hummingbird

/// Every request's id: the client's `X-Request-ID` when it is a sane token (1–128 printable ASCII
/// characters, no spaces), else a new version 7 UUID (time-ordered, which keeps the collector's index
/// of request ids growing at its end). `ServiceMiddleware` stores it on the context, adds it to the
/// logger's metadata as `request_id` and echoes it on every response, error responses included.
/// Hummingbird's own request id (`hb.request.id`, `context.id`) becomes the same: a request has one
/// id, the one its client sees, and the log lines show it once.
enum RequestID {
    static func of(_ request: Request) -> String {
        request.headers[.requestID].flatMap(ClientChosenID.sanitized) ?? UUID.version7().lowercasedString
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
