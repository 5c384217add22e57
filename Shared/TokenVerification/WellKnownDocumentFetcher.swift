import AsyncHTTPClient
import Foundation
import NIOCore

/// Fetches a small JSON document (the JWK Set, the revocation list) from the auth service.
struct WellKnownDocumentFetcher: Sendable {
    let url: URL
    let httpClient: HTTPClient
    let timeout: Duration
    /// Documents larger than this are refused.
    static let maximumSize = 1 << 20

    struct UnexpectedStatus: Error, CustomStringConvertible {
        let status: UInt
        var description: String { "unexpected HTTP status \(status)" }
    }

    func fetch(_ url: URL? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: (url ?? self.url).absoluteString)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
        let body = try await response.body.collect(upTo: Self.maximumSize)
        guard response.status == .ok else { throw UnexpectedStatus(status: response.status.code) }
        return Data(buffer: body)
    }
}
