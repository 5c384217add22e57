import DatabaseKit
import Foundation
import PostgresNIO
import ServiceKit

/// The auth service's storage in PostgreSQL (`DATABASE_URL=postgres://…`).
struct PostgresAuthStore: AuthStore {
    let database: PostgreSQLDatabase
    let logger: Logger

    var repositories: AuthRepositories { repositories(.pool(database)) }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (AuthRepositories) async throws -> Result) async throws -> Result {
        try await database.transaction { connection in try await body(repositories(.transaction(connection))) }
    }

    /// One statement, one round trip (the steps of `exchangeStepByStep` take five with the transaction's
    /// `BEGIN` and `COMMIT`), with the same locks in the same order: the user's row held first (`FOR
    /// SHARE`, and found again as a cut-off it waited for left it), then the token's.
    func exchange(_ token: UUID, by claim: RefreshClaim, for successor: RefreshTokenRecord, issuedTo user: User) async throws -> RefreshExchange {
        let bind = { (bindings: inout PostgresValues, claimDate: Date) in
            Self.bindHolder(user, into: &bindings)
            bindings.append(token); bindings.append(claimDate.millisecondsSince1970)
            PostgresRefreshTokenRepository.bindInsert(successor, into: &bindings)
        }
        let access = PostgresAccess.pool(database)
        let outcomes = switch claim {
        case .rotation(let date): try await access.rows(Prepared<ExchangeByRotation> { bind(&$0, date) }, logger: logger, reading: Self.outcome)
        case .grace(let since): try await access.rows(Prepared<ExchangeByGrace> { bind(&$0, since) }, logger: logger, reading: Self.outcome)
        }
        guard let outcome = outcomes.first else { throw UnreadableRow(column: "unchanged", problem: "is missing: the exchange answered no row") }
        return outcome
    }

    /// How the exchange ended, from its one row (`unchanged`, `exchanged`).
    @Sendable private static func outcome(_ row: PostgresRow) throws -> RefreshExchange {
        var row = PostgresRowReader(row)
        guard try row.bool("unchanged") else { return .userChanged }
        return try row.bool("exchanged") ? .exchanged : .notClaimed
    }

    /// One statement, one round trip (`openSessionStepByStep` takes four), with the same lock: the
    /// user's row held (`FOR SHARE`) while the token is stored.
    func openSession(with token: RefreshTokenRecord, issuedTo user: User) async throws -> Bool {
        let statement = Prepared<OpenSession> { bindings in
            Self.bindHolder(user, into: &bindings)
            PostgresRefreshTokenRepository.bindInsert(token, into: &bindings)
        }
        return try await PostgresAccess.pool(database).run(statement, logger: logger) == 1
    }

    /// The token stored only while `holder` has the user. `$1`–`$5`: the user as read; `$6`–`$15`: the
    /// token (`InsertToken`'s values). Returns the token's id when it was stored.
    enum OpenSession: FixedPostgresStatement {
        static let sql = """
            WITH \(holder)
            INSERT INTO refresh_tokens (\(PostgresRefreshTokenRepository.insertColumns))
            SELECT $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 FROM holder
            RETURNING id
            """
    }

    /// The user's row, held (`FOR SHARE`, and found again as a cut-off it waited for left it) while it is
    /// as `$1`–`$5` (`bindHolder`) say it was read (`User.isUnchanged`).
    private static let holder = """
        holder AS (
            SELECT id FROM users
            WHERE id = $1 AND tenant_id = $2 AND is_active AND role = $3 AND password_hash = $4 AND sessions_cut_off = $5
            FOR SHARE)
        """

    private static func bindHolder(_ user: User, into bindings: inout PostgresValues) {
        bindings.append(user.id); bindings.append(user.tenantID); bindings.append(user.role.rawValue)
        bindings.append(user.passwordHash); bindings.append(user.sessionsCutOff)
    }

    /// The exchange with `claim`, an `UPDATE` of the token that claims it only while `holder` has the
    /// user. `$1`–`$5`: the user as read (`bindHolder`); `$6`: the token; `$7`: the claim's date;
    /// `$8`–`$17`: the successor (`InsertToken`'s values). `unchanged` and `exchanged` say how it ended.
    private static func exchangeSQL(claim: String) -> String {
        """
        WITH \(holder),
        claimed AS (\(claim) RETURNING id),
        stored AS (
            INSERT INTO refresh_tokens (\(PostgresRefreshTokenRepository.insertColumns))
            SELECT $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 FROM claimed
            RETURNING id)
        SELECT EXISTS (SELECT 1 FROM holder) AS unchanged, EXISTS (SELECT 1 FROM stored) AS exchanged
        """
    }

    /// `markRotated`, while the user is held.
    enum ExchangeByRotation: FixedPostgresStatement {
        static let sql = exchangeSQL(claim: """
            UPDATE refresh_tokens SET rotated_at = $7, replaced_by = $8
            WHERE id = $6 AND rotated_at IS NULL AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM holder)
            """)
    }

    /// `spendGrace`, while the user is held.
    enum ExchangeByGrace: FixedPostgresStatement {
        static let sql = exchangeSQL(claim: """
            UPDATE refresh_tokens SET grace_used = true
            WHERE id = $6 AND NOT grace_used AND revoked_at IS NULL AND rotated_at >= $7
              AND EXISTS (SELECT 1 FROM refresh_tokens AS successor
                          WHERE successor.id = refresh_tokens.replaced_by
                            AND successor.rotated_at IS NULL AND successor.revoked_at IS NULL)
              AND EXISTS (SELECT 1 FROM holder)
            """)
    }

    func ping() async throws -> Int {
        try await database.ping()
    }

    func attemptLimiter(perMinute limit: Int, capacity: Int, now: @escaping @Sendable () -> Date) -> any AttemptLimiter {
        PostgresRateLimiter(limit: limit, database: database, logger: logger, now: now)
    }

    private func repositories(_ access: PostgresAccess) -> AuthRepositories {
        AuthRepositories(
            tenants: PostgresTenantRepository(database: access, logger: logger), users: PostgresUserRepository(database: access, logger: logger),
            refreshTokens: PostgresRefreshTokenRepository(database: access, logger: logger),
            revocations: PostgresRevocationRepository(database: access, logger: logger))
    }
}

/// Tenants in PostgreSQL.
struct PostgresTenantRepository: TenantRepository {
    let database: PostgresAccess
    let logger: Logger

    func create(_ tenant: Tenant) async throws {
        do {
            try await database.run(
                "INSERT INTO tenants (id, slug, name, created_at) VALUES (\(tenant.id), \(tenant.slug), \(tenant.name), \(tenant.createdAt.millisecondsSince1970))",
                logger: logger)
        } catch let error as PSQLError where error.isUniqueViolation(constraint: "tenants_slug_key") {
            throw StorageConflict.slugTaken
        }
    }

    func find(id: UUID) async throws -> Tenant? {
        try await database.rows("SELECT * FROM tenants WHERE id = \(id)", logger: logger).first.map(Self.tenant)
    }

    func find(slug: String) async throws -> Tenant? {
        try await database.rows("SELECT * FROM tenants WHERE slug = \(slug)", logger: logger).first.map(Self.tenant)
    }

    /// The tenant's row, locked until the transaction ends: another transaction changing the tenant's
    /// admins waits here, then counts the admins as this one left them.
    func lockAdministration(of tenantID: UUID) async throws {
        try await database.run("SELECT id FROM tenants WHERE id = \(tenantID) FOR UPDATE", logger: logger)
    }

    /// The columns `tenant(_:prefix:)` reads.
    static let columnNames = ["id", "slug", "name", "created_at"]

    static func tenant(_ row: PostgresRandomAccessRow) throws -> Tenant {
        try tenant(row, prefix: "")
    }

    /// The tenant of a row, its columns named with `prefix` (a join's).
    static func tenant(_ row: PostgresRandomAccessRow, prefix: String) throws -> Tenant {
        try Tenant(
            id: row.required(prefix + "id"), slug: row.required(prefix + "slug"), name: row.required(prefix + "name"),
            createdAt: row.date(prefix + "created_at"))
    }
}

/// Users in PostgreSQL.
struct PostgresUserRepository: UserRepository {
    let database: PostgresAccess
    let logger: Logger

    func create(_ user: User) async throws {
        do {
            try await database.run(
                """
                INSERT INTO users (id, tenant_id, email, name, role, is_active, password_hash, created_at, updated_at)
                VALUES (\(user.id), \(user.tenantID), \(user.email), \(user.name), \(user.role.rawValue), \(user.isActive),
                        \(user.passwordHash), \(user.createdAt.millisecondsSince1970), \(user.updatedAt.millisecondsSince1970))
                """, logger: logger)
        } catch let error as PSQLError where error.isUniqueViolation(constraint: "users_tenant_email_key") {
            throw StorageConflict.emailTaken
        }
    }

    func find(id: UUID, tenantID: UUID) async throws -> User? {
        try await database.rows("SELECT * FROM users WHERE id = \(id) AND tenant_id = \(tenantID)", logger: logger).first.map(Self.user)
    }

    func findHoldingChanges(id: UUID, tenantID: UUID) async throws -> User? {
        try await database.rows(Prepared<FindUserHoldingChanges> { $0.append(id); $0.append(tenantID) }, logger: logger).first.map(Self.user)
    }

    /// Read by `whileUnchanged`, the first step of `exchangeStepByStep` and `openSessionStepByStep`: prepared (`Prepared`).
    enum FindUserHoldingChanges: FixedPostgresStatement {
        static let sql = "SELECT \(columns) FROM users WHERE id = $1 AND tenant_id = $2 FOR SHARE"
    }

    /// The columns `user(_:prefix:)` reads.
    static let columnNames = [
        "id", "tenant_id", "email", "name", "role", "is_active", "password_hash", "created_at", "updated_at", "sessions_cut_off",
    ]
    static let columns = columnNames.joined(separator: ", ")

    /// One statement (one round trip): the tenant joined with its user, whose columns are named `u_…`.
    func find(email: String, tenantSlug: String) async throws -> TenantAccount? {
        let rows = try await database.rows(Prepared<FindAccount> { $0.append(tenantSlug); $0.append(email) }, logger: logger)
        guard let row = rows.first else { return nil }
        let user = try row.optional("u_id", as: UUID.self) == nil ? nil : Self.user(row, prefix: "u_")
        return TenantAccount(tenant: try PostgresTenantRepository.tenant(row), user: user)
    }

    /// Read on every login: prepared (`Prepared`).
    enum FindAccount: FixedPostgresStatement {
        static let sql = """
            SELECT \(joinedColumns(PostgresTenantRepository.columnNames, of: "t")), \(joinedColumns(columnNames, of: "u", prefix: "u_"))
            FROM tenants t LEFT JOIN users u ON u.tenant_id = t.id AND u.email = $2
            WHERE t.slug = $1
            """
    }

    /// A keyset walk in creation order, as in SQLite (`ILIKE`: SQLite's `LIKE` ignores case).
    func list(tenantID: UUID, filter: UserListFilter, page: PageRequest) async throws -> [User] {
        var statement = PostgresStatement("SELECT * FROM users WHERE tenant_id = ")
        statement.append(statement.bind(tenantID))
        if let role = filter.role { statement.append(" AND role = \(statement.bind(role.rawValue))") }
        if let text = filter.text {
            let pattern = statement.bind(LikePattern.containing(text))
            statement.append(#" AND (name ILIKE \#(pattern) ESCAPE '\' OR email ILIKE \#(pattern) ESCAPE '\')"#)
        }
        if let after = page.after {
            let (timestamp, id) = (statement.bind(after.timestamp), statement.bind(try after.uuid()))
            statement.append(" AND (created_at, id) > (\(timestamp), \(id))")
        }
        statement.append(" ORDER BY created_at, id LIMIT \(statement.bind(page.limit + 1))")
        return try await database.rows(statement.query, logger: logger).map(Self.user)
    }

    func update(id: UUID, tenantID: UUID, changes: UserChanges, at date: Date) async throws -> User? {
        var statement = PostgresStatement("UPDATE users SET updated_at = ")
        statement.append(statement.bind(date.millisecondsSince1970))
        if let name = changes.name { statement.append(", name = \(statement.bind(name))") }
        if let role = changes.role { statement.append(", role = \(statement.bind(role.rawValue))") }
        if let isActive = changes.isActive { statement.append(", is_active = \(statement.bind(isActive))") }
        if let hash = changes.passwordHash { statement.append(", password_hash = \(statement.bind(hash))") }
        let (user, tenant) = (statement.bind(id), statement.bind(tenantID))
        statement.append(" WHERE id = \(user) AND tenant_id = \(tenant) RETURNING *")
        return try await database.rows(statement.query, logger: logger).first.map(Self.user)
    }

    func countActiveAdmins(tenantID: UUID) async throws -> Int {
        let rows = try await database.rows(
            "SELECT COUNT(*) AS admins FROM users WHERE tenant_id = \(tenantID) AND role = 'admin' AND is_active", logger: logger)
        return try rows.first.map { try $0.required("admins", as: Int.self) } ?? 0
    }

    func markSessionsCutOff(id: UUID, at date: Date) async throws {
        try await database.run(
            "UPDATE users SET sessions_cut_off = GREATEST(sessions_cut_off + 1, \(date.millisecondsSince1970)) WHERE id = \(id)", logger: logger)
    }

    static func user(_ row: PostgresRandomAccessRow) throws -> User {
        try user(row, prefix: "")
    }

    /// The user of a row, its columns named with `prefix` (a join's).
    static func user(_ row: PostgresRandomAccessRow, prefix: String) throws -> User {
        try User(
            id: row.required(prefix + "id"), tenantID: row.required(prefix + "tenant_id"), email: row.required(prefix + "email"),
            name: row.required(prefix + "name"), role: row.enumeration(prefix + "role"), isActive: row.required(prefix + "is_active"),
            passwordHash: row.required(prefix + "password_hash"), createdAt: row.date(prefix + "created_at"),
            updatedAt: row.date(prefix + "updated_at"), sessionsCutOff: row.required(prefix + "sessions_cut_off"))
    }
}

/// Refresh tokens in PostgreSQL. The conditional updates re-check their conditions on the row as the
/// previous writer left it (READ COMMITTED): of two exchanges at once, the second finds it rotated.
/// A refresh's statements (`findWithOwner`, and the store's `exchange`) are prepared (`Prepared`).
struct PostgresRefreshTokenRepository: RefreshTokenRepository {
    let database: PostgresAccess
    let logger: Logger

    func insert(_ token: RefreshTokenRecord) async throws {
        try await database.run(Prepared<InsertToken> { Self.bindInsert(token, into: &$0) }, logger: logger)
    }

    enum InsertToken: FixedPostgresStatement {
        static let sql = "INSERT INTO refresh_tokens (\(insertColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    }

    /// The columns a token is stored in, in the order `bindInsert` binds their values.
    static let insertColumns = "id, token_hash, family_id, user_id, tenant_id, created_at, expires_at, rotated_at, grace_used, revoked_at"

    static func bindInsert(_ token: RefreshTokenRecord, into bindings: inout PostgresValues) {
        bindings.append(token.id); bindings.append(ByteBuffer(data: token.tokenHash)); bindings.append(token.familyID)
        bindings.append(token.userID); bindings.append(token.tenantID); bindings.append(token.createdAt.millisecondsSince1970)
        bindings.append(token.expiresAt.millisecondsSince1970); bindings.append(token.rotatedAt?.millisecondsSince1970)
        bindings.append(token.graceUsed); bindings.append(token.revokedAt?.millisecondsSince1970)
    }

    func find(tokenHash: Data) async throws -> RefreshTokenRecord? {
        try await database.rows("SELECT * FROM refresh_tokens WHERE token_hash = \(ByteBuffer(data: tokenHash))", logger: logger).first.map(Self.record)
    }

    /// One statement (one round trip): the token joined with its user and tenant, their columns
    /// named `u_…` and `t_…`.
    func findWithOwner(tokenHash: Data) async throws -> OwnedRefreshToken? {
        let rows = try await database.rows(Prepared<FindTokenWithOwner> { $0.append(ByteBuffer(data: tokenHash)) }, logger: logger)
        guard let row = rows.first else { return nil }
        let user = try row.optional("u_id", as: UUID.self) == nil ? nil : PostgresUserRepository.user(row, prefix: "u_")
        let tenant = try row.optional("t_id", as: UUID.self) == nil ? nil : PostgresTenantRepository.tenant(row, prefix: "t_")
        return OwnedRefreshToken(token: try Self.record(row), user: user, tenant: tenant)
    }

    enum FindTokenWithOwner: FixedPostgresStatement {
        static let sql = """
            SELECT rt.id, rt.token_hash, rt.family_id, rt.user_id, rt.tenant_id, rt.created_at, rt.expires_at, rt.rotated_at,
                   rt.replaced_by, rt.grace_used, rt.revoked_at,
                   \(joinedColumns(PostgresUserRepository.columnNames, of: "u", prefix: "u_")),
                   \(joinedColumns(PostgresTenantRepository.columnNames, of: "t", prefix: "t_"))
            FROM refresh_tokens rt
            LEFT JOIN users u ON u.id = rt.user_id AND u.tenant_id = rt.tenant_id
            LEFT JOIN tenants t ON t.id = rt.tenant_id
            WHERE rt.token_hash = $1
            """
    }

    func markRotated(id: UUID, at date: Date, successor: UUID) async throws -> Bool {
        let mark = Prepared<MarkRotated> { $0.append(date.millisecondsSince1970); $0.append(successor); $0.append(id) }
        return try await database.run(mark, logger: logger) == 1
    }

    enum MarkRotated: FixedPostgresStatement {
        static let sql = "UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $2 WHERE id = $3 AND rotated_at IS NULL AND revoked_at IS NULL RETURNING id"
    }

    func spendGrace(id: UUID, rotatedSince: Date) async throws -> Bool {
        try await database.run(
            """
            UPDATE refresh_tokens SET grace_used = true
            WHERE id = \(id) AND NOT grace_used AND revoked_at IS NULL AND rotated_at >= \(rotatedSince.millisecondsSince1970)
              AND EXISTS (SELECT 1 FROM refresh_tokens AS successor
                          WHERE successor.id = refresh_tokens.replaced_by
                            AND successor.rotated_at IS NULL AND successor.revoked_at IS NULL)
            RETURNING id
            """, logger: logger) == 1
    }

    func revokeFamily(_ familyID: UUID, at date: Date) async throws {
        try await database.run(
            "UPDATE refresh_tokens SET revoked_at = \(date.millisecondsSince1970) WHERE family_id = \(familyID) AND revoked_at IS NULL", logger: logger)
    }

    func revokeAll(userID: UUID, at date: Date) async throws {
        try await database.run(
            "UPDATE refresh_tokens SET revoked_at = \(date.millisecondsSince1970) WHERE user_id = \(userID) AND revoked_at IS NULL", logger: logger)
    }

    func deleteExpired(before date: Date) async throws -> Int {
        try await database.run("DELETE FROM refresh_tokens WHERE expires_at < \(date.millisecondsSince1970) RETURNING id", logger: logger)
    }

    static func record(_ row: PostgresRandomAccessRow) throws -> RefreshTokenRecord {
        try RefreshTokenRecord(
            id: row.required("id"), familyID: row.required("family_id"), userID: row.required("user_id"), tenantID: row.required("tenant_id"),
            tokenHash: Data(buffer: row.required("token_hash", as: ByteBuffer.self)),
            createdAt: row.date("created_at"), expiresAt: row.date("expires_at"), rotatedAt: row.optionalDate("rotated_at"),
            graceUsed: row.required("grace_used"), revokedAt: row.optionalDate("revoked_at"))
    }
}

/// Session cut-offs in PostgreSQL, numbered through the one-row `revocation_sequence`: its row lock is
/// held until the cut-off commits, so that cut-offs commit in the order of their numbers and a
/// verifier that has seen number n never misses a smaller one committed later.
struct PostgresRevocationRepository: RevocationRepository {
    let database: PostgresAccess
    let logger: Logger

    func record(userID: UUID, notBefore: Int) async throws {
        try await database.run(
            """
            WITH next AS (UPDATE revocation_sequence SET value = value + 1 RETURNING value)
            INSERT INTO revocations (user_id, not_before, seq) SELECT \(userID), \(notBefore), value FROM next
            ON CONFLICT (user_id) DO UPDATE SET not_before = GREATEST(revocations.not_before, excluded.not_before), seq = excluded.seq
            """, logger: logger)
    }

    func list(since: Int) async throws -> [(userID: UUID, notBefore: Int)] {
        try await database.rows("SELECT user_id, not_before FROM revocations WHERE not_before >= \(since) ORDER BY not_before", logger: logger)
            .map { try (userID: $0.required("user_id"), notBefore: $0.required("not_before")) }
    }

    func changes(after: Int64, since: Int, limit: Int) async throws -> RevocationChanges {
        // One statement, one snapshot: the entries and the latest number agree.
        let rows = try await database.rows(
            """
            SELECT r.user_id, r.not_before, r.seq, s.value AS latest
            FROM revocation_sequence AS s
            LEFT JOIN LATERAL (SELECT * FROM revocations WHERE seq > \(after) AND not_before >= \(since) ORDER BY seq LIMIT \(limit)) AS r ON true
            """, logger: logger)
        let latest = try rows.first.map { try $0.required("latest", as: Int64.self) } ?? 0
        let entries = try rows.compactMap { row -> RevocationChanges.Entry? in
            guard let userID = try row.optional("user_id", as: UUID.self) else { return nil }
            return try RevocationChanges.Entry(userID: userID, notBefore: row.required("not_before"), sequence: row.required("seq"))
        }
        return RevocationChanges(entries: entries, latest: latest)
    }

    func deleteOlder(than before: Int) async throws -> Int {
        try await database.run("DELETE FROM revocations WHERE not_before < \(before) RETURNING user_id", logger: logger)
    }
}
