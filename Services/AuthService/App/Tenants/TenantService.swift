import Foundation
import Logging
import ServiceKit
import TokenVerification

/// Tenant sign-up and the caller's tenant.
struct TenantService: Sendable {
    let store: any AuthStore
    let passwords: PasswordHasher
    let attempts: any AttemptLimiter
    let now: @Sendable () -> Date

    /// Creates a tenant and its first admin, in one transaction.
    func signUp(_ request: SignUpRequest, clientAddress: String?, audit: AuditTrail, logger: Logger) async throws -> (Tenant, User) {
        // Validated first: a limiter keys only on what it has checked.
        var validator = FieldValidator()
        validator.check(AccountRules.isValidSlug(request.slug), "slug", "must be 2 to 63 lower-case letters, digits or dashes, starting with a letter or digit")
        validator.checkText(request.name, "name", AccountRules.nameLength)
        AccountRules.check(email: request.admin.email, field: "admin.email", in: &validator)
        AccountRules.check(password: request.admin.password, field: "admin.password", in: &validator)
        AccountRules.check(name: request.admin.name, field: "admin.name", in: &validator)
        try validator.finish()
        let email = AccountRules.normalizedEmail(request.admin.email)
        if let wait = try await attempts.attempt(["signup:address:\(clientAddress ?? "unknown")", "signup:account:\(email)"]) {
            throw AppError.rateLimited(retryAfterSeconds: wait, message: "Too many sign-ups; try again later")
        }

        let now = now()
        let tenant = Tenant(id: UUID(), slug: request.slug, name: request.name, createdAt: now)
        let admin = User(
            id: UUID(), tenantID: tenant.id, email: email, name: request.admin.name, role: .admin, isActive: true,
            passwordHash: try await passwords.hash(request.admin.password), createdAt: now, updatedAt: now)
        do {
            try await store.transaction { storage in
                try await storage.tenants.create(tenant)
                try await storage.users.create(admin)
            }
        } catch StorageConflict.slugTaken {
            throw AppError.conflict("The slug '\(request.slug)' is taken")
        }
        audit.record(AuditEntry(.tenantCreated, tenant: tenant.id, actor: admin.id, subject: admin.id, at: now))
        logger.info("Tenant signed up", metadata: ["tenant_id": "\(tenant.id.lowercasedString)", "slug": "\(tenant.slug)"])
        return (tenant, admin)
    }

    func current(for caller: AuthenticatedUser) async throws -> Tenant {
        guard let tenant = try await store.repositories.tenants.find(id: caller.tenantID) else { throw AppError.notFound("Tenant not found") }
        return tenant
    }
}
