import Foundation
import Hummingbird
import ServiceKit

/// A post on the wire: `{"id","tenant_id","author_id","title","content","status","created_at","updated_at"}`.
struct PostResponse: Codable, Sendable, Equatable {
    var id: String
    var tenantId: String
    var authorId: String
    var title: String
    var content: String
    var status: Post.Status
    var createdAt: Date
    var updatedAt: Date

    init(_ post: Post) {
        id = post.id.lowercasedString
        tenantId = post.tenantID.lowercasedString
        authorId = post.authorID.lowercasedString
        title = post.title
        content = post.content
        status = post.status
        createdAt = post.createdAt
        updatedAt = post.updatedAt
    }
}

/// Written member by member: a page holds twenty of them (`PostResponseJSONTests` holds this to the
/// `Codable` conformance above).
extension PostResponse: ContractJSONWritable {
    func write(to json: inout ContractJSONOutput) {
        json.beginObject()
        json.field("id", id)
        json.field("tenant_id", tenantId)
        json.field("author_id", authorId)
        json.field("title", title)
        json.field("content", content)
        json.field("status", status.rawValue)
        json.field("created_at", createdAt)
        json.field("updated_at", updatedAt)
        json.endObject()
    }
}
