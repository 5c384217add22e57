import Foundation

/// Where the cut-offs of users' sessions are kept (`GET /.well-known/revocations`).
public protocol RevocationRepository: Sendable {
    /// Lists the user with `notBefore` (seconds since the epoch; a later one of theirs is kept) under the
    /// next sequence number. Cut-offs that commit at once are numbered in the order they commit, so that
    /// a reader that has seen number n has seen every number below it.
    func record(userID: UUID, notBefore: Int) async throws
    /// Every user cut off at or after `since` (seconds), with their latest `not_before`.
    func list(since: Int) async throws -> [(userID: UUID, notBefore: Int)]
    /// Up to `limit` cut-offs recorded after the sequence number `after`, with `not_before` at or after
    /// `since`, in the order they were recorded; and the latest sequence number given out.
    func changes(after: Int64, since: Int, limit: Int) async throws -> RevocationChanges
    /// Forgets cut-offs older than `before` (seconds); returns how many.
    func deleteOlder(than before: Int) async throws -> Int
}

/// A page of the cut-offs recorded after a sequence number.
public struct RevocationChanges: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var userID: UUID
        public var notBefore: Int
        /// When it was recorded, in the order of all cut-offs.
        public var sequence: Int64
    }

    public var entries: [Entry]
    /// The latest sequence number given out (the counter never goes back).
    public var latest: Int64
}
