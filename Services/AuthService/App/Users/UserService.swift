import Foundation
import Logging
import ServiceKit
import TokenVerification

/// Users of a tenant: registration, admin management, self-service changes, and the rules that keep a
/// tenant administrable (never without an active admin; an admin never deactivates themself).
struct UserService: Sendable {
    let store: any AuthStore
    let passwords: PasswordHasher
    let cutOffs: SessionCutOffs
    /// Registrations per client address and per tenant; password changes per user.
    let attempts: any AttemptLimiter
    let now: @Sendable () -> Date

    static let userNotFound = AppError.notFound("User not found")

    /// Self-service registration into an existing tenant, with role `user`.
    /// Rate limited per client address and per tenant: each costs a password hash, taken email or not.
    func register(_ request: RegisterRequest, clientAddress: String?, audit: AuditTrail, logger: Logger) async throws -> User {
        var validator = FieldValidator()
        AccountRules.check(tenantSlug: request.tenant, in: &validator)
        AccountRules.check(email: request.email, in: &validator)
        AccountRules.check(password: request.password, in: &validator)
        AccountRules.check(name: request.name, in: &validator)
        try validator.finish()
        if let wait = try await attempts.attempt(["register:address:\(clientAddress ?? "unknown")", "register:tenant:\(request.tenant.lowercased())"]) {
            logger.notice("Registration rate limited", metadata: ["tenant": "\(request.tenant)"])
            throw AppError.rateLimited(retryAfterSeconds: wait, message: "Too many registrations; try again later")
        }
        guard let tenant = try await store.repositories.tenants.find(slug: request.tenant) else { throw AppError.notFound("Tenant not found") }
        let user = try await create(email: request.email, password: request.password, name: request.name, role: .user, in: tenant.id, logger: logger)
        audit.record(AuditEntry(.userRegistered, tenant: tenant.id, actor: user.id, subject: user.id, at: user.createdAt))
        return user
    }

    /// An admin adds a user of any role to their tenant.
    func create(_ request: CreateUserRequest, by caller: AuthenticatedUser, audit: AuditTrail, logger: Logger) async throws -> User {
        try requireAdmin(caller)
        var validator = FieldValidator()
        AccountRules.check(email: request.email, in: &validator)
        AccountRules.check(password: request.password, in: &validator)
        AccountRules.check(name: request.name, in: &validator)
        try validator.finish()
        let user = try await create(
            email: request.email, password: request.password, name: request.name, role: request.role ?? .user, in: caller.tenantID, logger: logger)
        audit.record(AuditEntry(.userCreated, tenant: caller.tenantID, actor: caller.userID, subject: user.id, at: user.createdAt))
        return user
    }

    func list(by caller: AuthenticatedUser, filter: UserListFilter, page: PageRequest) async throws -> Page<UserResponse> {
        try requireAdmin(caller)
        let rows = try await store.repositories.users.list(tenantID: caller.tenantID, filter: filter, page: page)
        return page.page(of: rows, cursor: { KeysetCursor(date: $0.createdAt, id: $0.id.lowercasedString) }, item: UserResponse.init)
    }

    /// A user of the caller's tenant, for an admin or the user themself.
    func get(_ id: UUID, by caller: AuthenticatedUser) async throws -> User {
        guard caller.role == .admin || caller.userID == id else { throw AppError.forbidden("Only an admin or the user can see a user") }
        guard let user = try await store.repositories.users.find(id: id, tenantID: caller.tenantID) else { throw Self.userNotFound }
        return user
    }

    func update(_ id: UUID, with request: UpdateUserRequest, by caller: AuthenticatedUser, audit: AuditTrail, logger: Logger) async throws -> User {
        let isSelf = caller.userID == id
        let isAdmin = caller.role == .admin
        guard isSelf || isAdmin else { throw AppError.forbidden("Only an admin or the user can change a user") }
        guard let user = try await store.repositories.users.find(id: id, tenantID: caller.tenantID) else { throw Self.userNotFound }
        if (request.role != nil || request.isActive != nil) && !isAdmin {
            throw AppError.forbidden("Only an admin can change a role or deactivate a user")
        }
        if request.password != nil && !isSelf {
            throw AppError.forbidden("Only the user can change their password")
        }
        if isSelf, request.isActive == false {
            throw AppError.conflict("An admin cannot deactivate themself")
        }

        var validator = FieldValidator()
        if let name = request.name { AccountRules.check(name: name, in: &validator) }
        if let password = request.password {
            AccountRules.check(password: password, in: &validator)
            if let current = request.currentPassword {
                AccountRules.check(presentedPassword: current, field: "current_password", in: &validator)
            } else {
                validator.check(false, "current_password", "is required to change the password")
            }
        } else {
            validator.check(request.currentPassword == nil, "password", "is required with current_password")
        }
        try validator.finish()

        var changes = UserChanges(name: request.name, role: request.role, isActive: request.isActive)
        if let password = request.password, let current = request.currentPassword {
            // Every try counts, right or wrong: a stolen access token must not brute-force the password.
            if let wait = try await attempts.attempt(["password:user:\(user.id.lowercasedString)"]) {
                logger.notice("Password change rate limited", metadata: ["user_id": "\(user.id.lowercasedString)"])
                throw AppError.rateLimited(retryAfterSeconds: wait, message: "Too many password changes; try again later")
            }
            guard try await passwords.verify(current, against: user.passwordHash) else {
                throw AppError.validationFailed([FieldError(field: "current_password", message: "is not correct")])
            }
            changes.passwordHash = try await passwords.hash(password)
        }
        let cutsOff = (request.role.map { $0 != user.role } ?? false)
            || (request.isActive == false && user.isActive)
            || changes.passwordHash != nil
        let updated = try await apply(changes, to: user, cuttingOffSessions: cutsOff, logger: logger)
        Self.recordChanges(from: user, to: updated, passwordChanged: changes.passwordHash != nil, by: caller, in: audit)
        return updated
    }

    /// Deactivates a user (`DELETE /v1/users/{id}`): refresh tokens revoked, access tokens cut off.
    func deactivate(_ id: UUID, by caller: AuthenticatedUser, audit: AuditTrail, logger: Logger) async throws {
        try requireAdmin(caller)
        guard caller.userID != id else { throw AppError.conflict("An admin cannot deactivate themself") }
        guard let user = try await store.repositories.users.find(id: id, tenantID: caller.tenantID) else { throw Self.userNotFound }
        guard user.isActive else { return }
        let updated = try await apply(UserChanges(isActive: false), to: user, cuttingOffSessions: true, logger: logger)
        Self.recordChanges(from: user, to: updated, passwordChanged: false, by: caller, in: audit)
    }

    // MARK: Parts

    /// The audit entries of a change that was made: each of role, activity and password that changed.
    private static func recordChanges(from before: User, to after: User, passwordChanged: Bool, by caller: AuthenticatedUser, in audit: AuditTrail) {
        var actions: [AuditAction] = []
        if after.role != before.role { actions.append(.roleChanged) }
        if after.isActive != before.isActive { actions.append(after.isActive ? .userReactivated : .userDeactivated) }
        if passwordChanged { actions.append(.passwordChanged) }
        for action in actions {
            audit.record(AuditEntry(action, tenant: after.tenantID, actor: caller.userID, subject: after.id, at: after.updatedAt))
        }
    }

    private func requireAdmin(_ caller: AuthenticatedUser) throws {
        guard caller.role == .admin else { throw AppError.forbidden("Only an admin of the tenant can do this") }
    }

    private func create(email: String, password: String, name: String, role: Role, in tenantID: UUID, logger: Logger) async throws -> User {
        let now = now()
        let user = User(
            id: UUID(), tenantID: tenantID, email: AccountRules.normalizedEmail(email), name: name, role: role, isActive: true,
            passwordHash: try await passwords.hash(password), createdAt: now, updatedAt: now)
        do {
            try await store.repositories.users.create(user)
        } catch StorageConflict.emailTaken {
            throw AppError.conflict("A user with this email already exists in the tenant")
        }
        logger.info("User created", metadata: ["user_id": "\(user.id.lowercasedString)", "role": "\(role.rawValue)"])
        return user
    }

    /// Applies `changes` in one transaction with the rules that span it: a change of role or activity
    /// leaves the tenant at least one active admin (decided under the tenant's administration lock, so
    /// that two admins demoting each other at once cannot both succeed), and a cut-off is written with it.
    private func apply(_ changes: UserChanges, to user: User, cuttingOffSessions: Bool, logger: Logger) async throws -> User {
        let changesAdministration = changes.role != nil || changes.isActive != nil
        let (updated, notBefore) = try await store.transaction { [self, now] storage -> (User?, Int?) in
            if changesAdministration { try await storage.tenants.lockAdministration(of: user.tenantID) }
            guard var updated = try await storage.users.update(id: user.id, tenantID: user.tenantID, changes: changes, at: now()) else {
                return (nil, nil)
            }
            if changesAdministration, try await storage.users.countActiveAdmins(tenantID: user.tenantID) == 0 {
                throw AppError.conflict("A tenant must keep at least one active admin")  // rolls the change back
            }
            guard cuttingOffSessions else { return (updated, nil) }
            let notBefore = try await cutOffs.write(userID: user.id, in: storage)
            updated = try await storage.users.find(id: user.id, tenantID: user.tenantID) ?? updated
            return (updated, notBefore)
        }
        guard let updated else { throw Self.userNotFound }
        if let notBefore {
            cutOffs.recorded(userID: user.id, notBefore: notBefore)
            logger.info("User's sessions cut off", metadata: ["user_id": "\(user.id.lowercasedString)"])
        }
        return updated
    }
}
