import Foundation

/// A blog post of one tenant.
public struct Post: Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case draft
        case published
    }

    public var id: UUID
    public var tenantID: UUID
    public var authorID: UUID
    public var title: String
    public var content: String
    public var status: Status
    /// Starts at 1 and grows by one with every change: the `ETag`.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
}

/// What an update changes; nil leaves a field as it is.
public struct PostChanges: Sendable, Equatable {
    public var title: String?
    public var content: String?
    public var status: Post.Status?
}

/// The filters of the post list.
public struct PostListFilter: Sendable, Equatable {
    public var author: UUID?
    public var status: Post.Status?
    /// Part of the title or the content.
    public var text: String?
    /// Drafts of others are left out unless the reader may see every draft.
    public var draftsVisibleTo: DraftVisibility

    public enum DraftVisibility: Sendable, Equatable {
        /// Moderators and admins see every draft.
        case everyone
        /// A plain user sees their own drafts only.
        case author(UUID)
    }
}
