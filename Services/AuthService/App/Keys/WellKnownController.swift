import Foundation
import Hummingbird
import ServiceKit
import TokenVerification

/// `GET /.well-known/jwks.json` and `GET /.well-known/revocations`: what verifiers fetch.
struct WellKnownController: Sendable {
    let publicKeys: JSONWebKeySet
    let revocations: any RevocationRepository
    /// Entries older than this (seconds) concern only expired tokens and drop out of the list.
    let horizonSeconds: Int
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<TenantRequestContext>) {
        let jwks = publicKeys
        router.get("/.well-known/jwks.json") { _, _ in
            // Short caching saves requests without hiding a rotation from a verifier behind a cache for long.
            try Response.json(jwks, headers: [.cacheControl: "public, max-age=60"])
        }
        router.get("/.well-known/revocations") { _, _ in
            let since = Int(now().timeIntervalSince1970) - horizonSeconds
            let entries = try await revocations.list(since: since)
            let document = RevocationDocument(revoked: entries.map { .init(sub: $0.userID.lowercasedString, notBefore: $0.notBefore) })
            return try Response.json(document, headers: [.cacheControl: "no-cache"])
        }
    }
}
