import ServiceKit
import TokenVerification

/// `POST /v1/auth/register`: `{"tenant","email","password","name"}`.
struct RegisterRequest: FlatRequestBody, Sendable {
    var tenant: String
    var email: String
    var password: String
    var name: String

    enum CodingKeys: CodingKey, CaseIterable { case tenant, email, password, name }

    init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
        tenant = try members.text("tenant")
        email = try members.text("email")
        password = try members.text("password")
        name = try members.text("name")
    }
}

/// `POST /v1/users`: `{"email","password","name","role"?}` (role `user` when absent).
struct CreateUserRequest: FlatRequestBody, Sendable {
    var email: String
    var password: String
    var name: String
    var role: Role?

    enum CodingKeys: CodingKey, CaseIterable { case email, password, name, role }

    init(members: inout FlatJSONObject) throws(FlatJSONObject.LeftToDecoder) {
        email = try members.text("email")
        password = try members.text("password")
        name = try members.text("name")
        role = try members.optionalValue("role", as: Role.self)
    }
}

/// `PATCH /v1/users/{id}`: any of `name`, `role`, `is_active` (admin), `password` with `current_password` (the user).
struct UpdateUserRequest: ClosedRequestBody, Sendable {
    var name: String?
    var role: Role?
    var isActive: Bool?
    var password: String?
    var currentPassword: String?

    enum CodingKeys: CodingKey, CaseIterable { case name, role, isActive, password, currentPassword }
}
