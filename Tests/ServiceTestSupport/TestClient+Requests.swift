import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceKit

/// A JSON body from a dictionary literal.
public func json(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
}

extension TestClientProtocol {
    /// A request with an optional bearer token and JSON body.
    @discardableResult
    public func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: ByteBuffer? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    /// The body in the contract's JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ContractJSON.makeDecoder().decode(T.self, from: body)
    }

    /// The contract's error body, if this is one.
    public var error: ErrorBody.Content? { try? decode(ErrorBody.self).error }

    public var text: String { String(buffer: body) }
}
