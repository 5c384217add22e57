import ServiceKit

/// `POST /v1/posts`: `{"title","content","status"?}`.
struct CreatePostRequest: FlatRequestBody, Sendable {
    var title: String
    var content: String
    var status: Post.Status?

    enum CodingKeys: CodingKey, CaseIterable { case title, content, status }

    init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
        title = try members.text("title")
        content = try members.text("content")
        status = try members.optionalValue("status", as: Post.Status.self)
    }
}

/// `PATCH /v1/posts/{id}`: any of `title`, `content`, `status`.
struct UpdatePostRequest: FlatRequestBody, Sendable {
    var title: String?
    var content: String?
    var status: Post.Status?

    enum CodingKeys: CodingKey, CaseIterable { case title, content, status }

    init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
        title = members.optionalText("title")
        content = members.optionalText("content")
        status = try members.optionalValue("status", as: Post.Status.self)
    }
}
