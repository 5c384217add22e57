import ServiceKit

/// `POST /v1/tenants`: `{"slug","name","admin":{"email","password","name"}}`.
struct SignUpRequest: ClosedRequestBody, Sendable {
    struct Admin: Codable, Sendable {
        var email: String
        var password: String
        var name: String
    }

    var slug: String
    var name: String
    var admin: Admin

    enum CodingKeys: CodingKey, CaseIterable { case slug, name, admin }
}
