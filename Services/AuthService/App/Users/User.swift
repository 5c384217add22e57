import Foundation
import TokenVerification

/// A person who logs in to one tenant. The same email may have an account in several tenants.
public struct User: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    /// Stored lower-cased; unique within the tenant.
    public var email: String
    public var name: String
    public var role: Role
    public var isActive: Bool
    /// Argon2id in its encoded form. Never leaves the service.
    public var passwordHash: String
    public var createdAt: Date
    public var updatedAt: Date
    /// Changes with every cut-off of the user's sessions (deactivation, role or password change, logout
    /// everywhere): a login or a refresh that sees it change while it runs issues nothing.
    public var sessionsCutOff: Int64 = 0
}

/// What an update changes; nil leaves a field as it is.
public struct UserChanges: Sendable, Equatable {
    public var name: String?
    public var role: Role?
    public var isActive: Bool?
    public var passwordHash: String?

    public init(name: String? = nil, role: Role? = nil, isActive: Bool? = nil, passwordHash: String? = nil) {
        self.name = name
        self.role = role
        self.isActive = isActive
        self.passwordHash = passwordHash
    }
}

/// The filters of the user list.
public struct UserListFilter: Sendable, Equatable {
    public var role: Role?
    /// Part of the name or the email, case-insensitively.
    public var text: String?

    public init(role: Role? = nil, text: String? = nil) {
        self.role = role
        self.text = text
    }
}
