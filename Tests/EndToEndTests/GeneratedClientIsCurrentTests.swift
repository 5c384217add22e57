import AuthService
import BlogService
import Crypto
import Foundation
import ObservCollector
import Testing

import AuthClient
import BlogClient
import CollectorClient

/// The committed typed client (Clients/*/Generated, written by `make generate-client`) was generated
/// from the documents the services serve today: a changed document fails here until it is regenerated.
@Suite struct GeneratedClientIsCurrentTests {
    static func digest(_ document: Data) -> String {
        SHA256.hash(data: document).map { String(format: "%02x", $0) }.joined()
    }

    @Test func eachClientWasGeneratedFromItsServicesDocument() {
        let stale = "is stale: run `make generate-client` and commit Clients/"
        #expect(AuthClient.GeneratedFrom.documentSHA256 == Self.digest(AuthOpenAPIDocument.assembled), "AuthClient \(stale)")
        #expect(BlogClient.GeneratedFrom.documentSHA256 == Self.digest(BlogOpenAPIDocument.assembled), "BlogClient \(stale)")
        #expect(CollectorClient.GeneratedFrom.documentSHA256 == Self.digest(CollectorOpenAPIDocument.assembled), "CollectorClient \(stale)")
    }
}
