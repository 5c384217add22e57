import Foundation
import Hummingbird
import ServiceKit
import TokenVerification

/// `GET /.well-known/jwks.json` and `GET /.well-known/revocations`: what verifiers fetch.
struct WellKnownController: Sendable {
    let keys: SigningKeys
    let revocations: any RevocationRepository
    /// Entries older than this (seconds) concern only expired tokens and drop out of the list.
    let horizonSeconds: Int
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<TenantRequestContext>) {
        router.get("/.well-known/jwks.json", use: jwks)
            .get("/.well-known/revocations", use: revocationList)
    }

    /// `GET /.well-known/jwks.json`: the public keys. Short caching saves requests without hiding a
    /// rotation from a verifier behind a cache for long.
    @Sendable func jwks(_ request: Request, context: TenantRequestContext) throws -> Response {
        try Response.json(keys.current.publicKeys, headers: [.cacheControl: "public, max-age=60"])
    }

    /// `GET /.well-known/revocations?since=&limit=`: the cut-offs since a cursor (`RevocationDocument`).
    @Sendable func revocationList(_ request: Request, context: TenantRequestContext) async throws -> Response {
        try Response.json(try await revocationPage(request.uri.queryParameters), headers: [.cacheControl: "no-cache"])
    }

    /// Entries a page holds at most (about 80 KB).
    static let pageLimit = 1_000

    /// A page of the list (see `RevocationDocument`): `since` a cursor this service gave out, `limit` 1–1,000.
    func revocationPage(_ query: Parameters) async throws -> RevocationDocument {
        var validator = FieldValidator()
        var after: Int64?
        if let text = query["since"] {
            after = Int64(text).flatMap { $0 >= 0 ? $0 : nil }
            validator.check(after != nil, "since", "is not a cursor this service gave out")
        }
        var limit = Self.pageLimit
        if let text = query["limit"] {
            limit = Int(text).flatMap { (1...Self.pageLimit).contains($0) ? $0 : nil } ?? 0
            validator.check(limit > 0, "limit", "must be a whole number from 1 to \(Self.pageLimit)")
        }
        try validator.finish()
        let horizonStart = Int(now().timeIntervalSince1970) - horizonSeconds
        var full = after == nil
        var changes = try await revocations.changes(after: after ?? 0, since: horizonStart, limit: limit + 1)
        if let after, after > changes.latest {
            // A cursor from before the database was replaced: start again from the beginning.
            full = true
            changes = try await revocations.changes(after: 0, since: horizonStart, limit: limit + 1)
        }
        let hasMore = changes.entries.count > limit
        let entries = changes.entries.prefix(limit)
        let cursor = hasMore ? entries.last!.sequence : changes.latest
        return RevocationDocument(
            revoked: entries.map { .init(sub: $0.userID.lowercasedString, notBefore: $0.notBefore) },
            cursor: String(cursor), hasMore: hasMore, full: full, horizonSeconds: horizonSeconds)
    }
}
