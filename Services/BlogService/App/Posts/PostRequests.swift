import ServiceKit

/// `POST /v1/posts`: `{"title","content","status"?}`.
struct CreatePostRequest: ClosedRequestBody, Sendable {
    var title: String
    var content: String
    var status: Post.Status?

    enum CodingKeys: CodingKey, CaseIterable { case title, content, status }
}

/// `PATCH /v1/posts/{id}`: any of `title`, `content`, `status`.
struct UpdatePostRequest: ClosedRequestBody, Sendable {
    var title: String?
    var content: String?
    var status: Post.Status?

    enum CodingKeys: CodingKey, CaseIterable { case title, content, status }
}
