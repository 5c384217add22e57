import DatabaseKit
import Foundation
import Logging
import ServiceKit
import ServiceTestSupport
import Testing
import TokenVerification

@testable import AuthService

/// Runs `body` on a fresh auth store of `kind`: SQLite in a temporary file, or a schema of its own on
/// the test PostgreSQL server.
func withAuthStore(_ kind: StoreKind, _ body: @escaping @Sendable (any AuthStore) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        try await withTemporaryFolder("auth-store") { folder in
            try await body(SQLiteAuthStore(try openSQLiteDatabase(path: folder + "auth.sqlite")))
        }
    case .postgres:
        try await TestPostgres.withDatabase(name: "auth", migrations: AuthSchema.postgres) { database in
            try await body(PostgresAuthStore(database: database, logger: Logger(label: "test")))
        }
    }
}

/// What every auth store must do, whatever the database: one suite, run on each store.
@Suite struct AuthStoreContractTests {
    static let epoch = Date(millisecondsSince1970: 1_795_000_000_000)

    static func tenant(_ slug: String = "t-\(UUID().uuidString.prefix(8).lowercased())") -> Tenant {
        Tenant(id: UUID(), slug: slug, name: "Tenant \(slug)", createdAt: epoch)
    }

    static func user(in tenant: Tenant, _ email: String, role: Role = .user, at offset: Int64 = 0) -> User {
        let date = Date(millisecondsSince1970: epoch.millisecondsSince1970 + offset)
        return User(
            id: UUID(), tenantID: tenant.id, email: email, name: "Name of \(email)", role: role, isActive: true,
            passwordHash: "$argon2id$fake", createdAt: date, updatedAt: date)
    }

    static func token(of user: User, family: UUID = UUID(), expiresIn seconds: Int64 = 3600) -> RefreshTokenRecord {
        RefreshTokenRecord(
            id: UUID(), familyID: family, userID: user.id, tenantID: user.tenantID, tokenHash: Data(UUID().uuidString.utf8),
            createdAt: epoch, expiresAt: Date(millisecondsSince1970: epoch.millisecondsSince1970 + seconds * 1000),
            rotatedAt: nil, graceUsed: false, revokedAt: nil)
    }

    /// `user` as tokens made before a change would have read them: another role, another password, an
    /// earlier cut-off version.
    static func readBeforeAChange(of user: User) -> (otherRole: User, otherPassword: User, earlierCutOff: User) {
        var otherRole = user, otherPassword = user, earlierCutOff = user
        otherRole.role = user.role == .user ? .admin : .user
        otherPassword.passwordHash = "$argon2id$another"
        earlierCutOff.sessionsCutOff -= 1
        return (otherRole, otherPassword, earlierCutOff)
    }

    /// A tenant with the given users, stored.
    static func seed(_ store: any AuthStore, users emails: [(String, Role)]) async throws -> (Tenant, [User]) {
        let tenant = tenant()
        try await store.repositories.tenants.create(tenant)
        var users: [User] = []
        for (offset, (email, role)) in emails.enumerated() {
            let user = user(in: tenant, email, role: role, at: Int64(offset))
            try await store.repositories.users.create(user)
            users.append(user)
        }
        return (tenant, users)
    }

    @Test(arguments: StoreKind.available)
    func tenantsAreFoundByIdAndSlugAndSlugsAreUnique(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let tenant = Self.tenant("acme")
            try await store.repositories.tenants.create(tenant)
            #expect(try await store.repositories.tenants.find(id: tenant.id) == tenant)
            #expect(try await store.repositories.tenants.find(slug: "acme") == tenant)
            #expect(try await store.repositories.tenants.find(slug: "other") == nil)
            await #expect(throws: StorageConflict.slugTaken) { try await store.repositories.tenants.create(Self.tenant("acme")) }
        }
    }

    @Test(arguments: StoreKind.available)
    func usersAreConfinedToTheirTenantAndEmailsUniqueWithinIt(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (acme, acmeUsers) = try await Self.seed(store, users: [("ann@x.test", .admin)])
            let (other, _) = try await Self.seed(store, users: [("ann@x.test", .user)])  // the same email elsewhere is fine
            let ann = acmeUsers[0]
            #expect(try await store.repositories.users.find(id: ann.id, tenantID: acme.id) == ann)
            #expect(try await store.repositories.users.find(id: ann.id, tenantID: other.id) == nil)
            #expect(try await store.repositories.users.find(email: "ann@x.test", tenantSlug: acme.slug) == TenantAccount(tenant: acme, user: ann))
            #expect(try await store.repositories.users.find(email: "bob@x.test", tenantSlug: acme.slug) == TenantAccount(tenant: acme, user: nil))
            #expect(try await store.repositories.users.find(email: "ann@x.test", tenantSlug: other.slug)?.user?.tenantID == other.id)
            #expect(try await store.repositories.users.find(email: "ann@x.test", tenantSlug: "no-such-tenant") == nil)
            await #expect(throws: StorageConflict.emailTaken) {
                try await store.repositories.users.create(Self.user(in: acme, "ann@x.test"))
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func theUserListWalksInCreationOrderWithFilters(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (tenant, users) = try await Self.seed(store, users: [
                ("a@x.test", .admin), ("b@x.test", .user), ("c@x.test", .moderator), ("d@x.test", .user), ("e@x.test", .user),
            ])
            let first = try await store.repositories.users.list(tenantID: tenant.id, filter: UserListFilter(), page: PageRequest(limit: 2))
            #expect(first.map(\.email) == ["a@x.test", "b@x.test", "c@x.test"])  // limit + 1
            let cursor = KeysetCursor(date: first[1].createdAt, id: first[1].id.lowercasedString)
            let second = try await store.repositories.users.list(tenantID: tenant.id, filter: UserListFilter(), page: PageRequest(limit: 2, after: cursor))
            #expect(second.map(\.email) == ["c@x.test", "d@x.test", "e@x.test"])
            let plain = try await store.repositories.users.list(tenantID: tenant.id, filter: UserListFilter(role: .user), page: PageRequest())
            #expect(plain.map(\.email) == ["b@x.test", "d@x.test", "e@x.test"])
            // The text filter ignores case, and its % and _ are literal.
            let named = try await store.repositories.users.list(tenantID: tenant.id, filter: UserListFilter(text: "NAME OF D"), page: PageRequest())
            #expect(named.map(\.id) == [users[3].id])
            let literal = try await store.repositories.users.list(tenantID: tenant.id, filter: UserListFilter(text: "%"), page: PageRequest())
            #expect(literal.isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func updatesReturnTheStoredUserAndCountActiveAdmins(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (tenant, users) = try await Self.seed(store, users: [("a@x.test", .admin), ("b@x.test", .admin)])
            #expect(try await store.repositories.users.countActiveAdmins(tenantID: tenant.id) == 2)
            let later = Date(millisecondsSince1970: Self.epoch.millisecondsSince1970 + 5000)
            let updated = try await store.repositories.users.update(
                id: users[1].id, tenantID: tenant.id, changes: UserChanges(name: "Bea", role: .user, isActive: false, passwordHash: "new"), at: later)
            #expect(updated?.name == "Bea" && updated?.role == .user && updated?.isActive == false && updated?.passwordHash == "new")
            #expect(updated?.updatedAt == later)
            #expect(try await store.repositories.users.countActiveAdmins(tenantID: tenant.id) == 1)
            #expect(try await store.repositories.users.update(id: UUID(), tenantID: tenant.id, changes: UserChanges(name: "x"), at: later) == nil)
            #expect(try await store.repositories.users.update(id: users[0].id, tenantID: UUID(), changes: UserChanges(name: "x"), at: later) == nil)
            // A cut-off moves the version on, and never back.
            try await store.repositories.users.markSessionsCutOff(id: users[0].id, at: later)
            let cut = try #require(try await store.repositories.users.find(id: users[0].id, tenantID: tenant.id)).sessionsCutOff
            try await store.repositories.users.markSessionsCutOff(id: users[0].id, at: Self.epoch)
            #expect(try await store.repositories.users.find(id: users[0].id, tenantID: tenant.id)?.sessionsCutOff == cut + 1)
        }
    }

    @Test(arguments: StoreKind.available)
    func aTransactionThatThrowsLeavesNothing(kind: StoreKind) async throws {
        struct Abandon: Error {}
        try await withAuthStore(kind) { store in
            let tenant = Self.tenant()
            await #expect(throws: Abandon.self) {
                try await store.transaction { storage in
                    try await storage.tenants.create(tenant)
                    try await storage.users.create(Self.user(in: tenant, "a@x.test", role: .admin))
                    #expect(try await storage.tenants.find(id: tenant.id) != nil)  // seen inside
                    throw Abandon()
                }
            }
            #expect(try await store.repositories.tenants.find(id: tenant.id) == nil)
            // And the store goes on working.
            try await store.transaction { storage in try await storage.tenants.create(tenant) }
            #expect(try await store.repositories.tenants.find(id: tenant.id) == tenant)
        }
    }

    @Test(arguments: StoreKind.available)
    func refreshTokensRotateOnceAndSpendTheirGraceOnce(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .admin)])
            let tokens = store.repositories.refreshTokens
            let first = Self.token(of: users[0])
            try await tokens.insert(first)
            #expect(try await tokens.find(tokenHash: first.tokenHash) == first)
            let second = Self.token(of: users[0], family: first.familyID)
            let rotatedAt = Date(millisecondsSince1970: Self.epoch.millisecondsSince1970 + 1000)
            #expect(try await tokens.markRotated(id: first.id, at: rotatedAt, successor: second.id))
            #expect(try await tokens.markRotated(id: first.id, at: rotatedAt, successor: second.id) == false)
            // The grace needs a live successor, a recent rotation, and is spent once.
            #expect(try await tokens.spendGrace(id: first.id, rotatedSince: Self.epoch) == false)  // no successor stored yet
            try await tokens.insert(second)
            #expect(try await tokens.spendGrace(id: first.id, rotatedSince: rotatedAt.addingTimeInterval(1)) == false)  // too old
            #expect(try await tokens.spendGrace(id: first.id, rotatedSince: Self.epoch))
            #expect(try await tokens.spendGrace(id: first.id, rotatedSince: Self.epoch) == false)
            let stored = try #require(try await tokens.find(tokenHash: first.tokenHash))
            #expect(stored.rotatedAt == rotatedAt && stored.graceUsed)
        }
    }

    /// What a refresh reads in one go: the token, its user and its tenant, each as stored.
    @Test(arguments: StoreKind.available)
    func aTokenIsReadWithItsUserAndTenant(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (tenant, users) = try await Self.seed(store, users: [("a@x.test", .moderator)])
            let tokens = store.repositories.refreshTokens
            let token = Self.token(of: users[0])
            try await tokens.insert(token)
            let user = try #require(try await store.repositories.users.find(id: users[0].id, tenantID: tenant.id))
            #expect(try await tokens.findWithOwner(tokenHash: token.tokenHash) == OwnedRefreshToken(token: token, user: user, tenant: tenant))
            #expect(try await tokens.findWithOwner(tokenHash: Data("unknown".utf8)) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func revocationsOfFamiliesAndUsersAndExpiredTokensArePurged(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .admin), ("b@x.test", .user)])
            let tokens = store.repositories.refreshTokens
            let a1 = Self.token(of: users[0]), a2 = Self.token(of: users[0]), b1 = Self.token(of: users[1], expiresIn: 10)
            for token in [a1, a2, b1] { try await tokens.insert(token) }
            let now = Date(millisecondsSince1970: Self.epoch.millisecondsSince1970 + 60_000)
            try await tokens.revokeFamily(a1.familyID, at: now)
            #expect(try await tokens.find(tokenHash: a1.tokenHash)?.revokedAt == now)
            #expect(try await tokens.find(tokenHash: a2.tokenHash)?.revokedAt == nil)
            try await tokens.revokeAll(userID: users[0].id, at: now)
            #expect(try await tokens.find(tokenHash: a2.tokenHash)?.revokedAt == now)
            #expect(try await tokens.markRotated(id: a2.id, at: now, successor: UUID()) == false)  // revoked
            #expect(try await tokens.deleteExpired(before: now) == 1)
            #expect(try await tokens.find(tokenHash: b1.tokenHash) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func cutOffsAreNumberedInOrderAndKeepTheLatestNotBefore(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let revocations = store.repositories.revocations
            let (ann, bob) = (UUID(), UUID())
            #expect(try await revocations.changes(after: 0, since: 0, limit: 10) == RevocationChanges(entries: [], latest: 0))
            try await revocations.record(userID: ann, notBefore: 100)
            try await revocations.record(userID: bob, notBefore: 200)
            try await revocations.record(userID: ann, notBefore: 50)  // an earlier one never wins
            let all = try await revocations.changes(after: 0, since: 0, limit: 10)
            #expect(all.latest == 3)
            #expect(all.entries.map(\.userID) == [bob, ann])
            #expect(all.entries.map(\.notBefore) == [200, 100])
            #expect(all.entries.map(\.sequence) == [2, 3])
            #expect(try await revocations.changes(after: 2, since: 0, limit: 10).entries.map(\.userID) == [ann])
            #expect(try await revocations.changes(after: 0, since: 150, limit: 10).entries.map(\.userID) == [bob])
            #expect(try await revocations.changes(after: 0, since: 0, limit: 1).entries.count == 1)
            #expect(Set(try await revocations.list(since: 0).map(\.userID)) == [ann, bob])
            #expect(try await revocations.deleteOlder(than: 150) == 1)
            #expect(try await revocations.list(since: 0).map(\.userID) == [bob])
            #expect(try await revocations.changes(after: 0, since: 0, limit: 10).latest == 3)  // the counter never goes back
        }
    }

    // MARK: Races, with real parallel connections

    @Test(arguments: StoreKind.available)
    func twoSignUpsWithOneSlugAtOnce_exactlyOneWins(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            for round in 0..<10 {
                let slug = "race-\(round)"
                let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<2 {
                        group.addTask {
                            let tenant = Self.tenant(slug)
                            do {
                                try await store.transaction { storage in
                                    try await storage.tenants.create(tenant)
                                    try await storage.users.create(Self.user(in: tenant, "admin\(index)@x.test", role: .admin))
                                }
                                return true
                            } catch StorageConflict.slugTaken {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1 && outcomes.count == 2, "round \(round)")
                let tenant = try #require(try await store.repositories.tenants.find(slug: slug))
                #expect(try await store.repositories.users.countActiveAdmins(tenantID: tenant.id) == 1)
            }
        }
    }

    /// A refresh's exchange: the token claimed once by its rotation and once by its grace, and a
    /// successor stored only with a claim that won.
    @Test(arguments: StoreKind.available)
    func anExchangeClaimsItsTokenOnceAndStoresTheSuccessor(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .admin)])
            let (tokens, owner) = (store.repositories.refreshTokens, users[0])
            let first = Self.token(of: owner)
            try await tokens.insert(first)
            let rotatedAt = Date(millisecondsSince1970: Self.epoch.millisecondsSince1970 + 1000)
            let second = Self.token(of: owner, family: first.familyID)
            #expect(try await store.exchange(first.id, by: .rotation(at: rotatedAt), for: second, issuedTo: owner) == .exchanged)
            #expect(try await tokens.find(tokenHash: second.tokenHash) == second)
            // Rotated already: another rotation claims nothing and stores nothing.
            let third = Self.token(of: owner, family: first.familyID)
            #expect(try await store.exchange(first.id, by: .rotation(at: rotatedAt), for: third, issuedTo: owner) == .notClaimed)
            #expect(try await tokens.find(tokenHash: third.tokenHash) == nil)
            // The grace: not for a rotation older than its start; then once.
            let tooLate = RefreshClaim.grace(rotatedSince: rotatedAt.addingTimeInterval(1))
            #expect(try await store.exchange(first.id, by: tooLate, for: third, issuedTo: owner) == .notClaimed)
            #expect(try await store.exchange(first.id, by: .grace(rotatedSince: Self.epoch), for: third, issuedTo: owner) == .exchanged)
            #expect(try await tokens.find(tokenHash: third.tokenHash) == third)
            let fourth = Self.token(of: owner, family: first.familyID)
            #expect(try await store.exchange(first.id, by: .grace(rotatedSince: Self.epoch), for: fourth, issuedTo: owner) == .notClaimed)
            #expect(try await tokens.find(tokenHash: fourth.tokenHash) == nil)
            let stored = try #require(try await tokens.find(tokenHash: first.tokenHash))
            #expect(stored.rotatedAt == rotatedAt && stored.graceUsed)
        }
    }

    /// Tokens made for a user as they no longer are (another role, password or cut-off version, or
    /// since deactivated): the exchange claims nothing and stores nothing.
    @Test(arguments: StoreKind.available)
    func anExchangeForAChangedUserStoresNothing(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (tenant, users) = try await Self.seed(store, users: [("a@x.test", .admin)])
            let (tokens, owner) = (store.repositories.refreshTokens, users[0])
            let token = Self.token(of: owner)
            try await tokens.insert(token)
            let (otherRole, otherPassword, earlierCutOff) = Self.readBeforeAChange(of: owner)
            for (asRead, claim) in [(otherRole, RefreshClaim.rotation(at: Self.epoch)), (otherPassword, .rotation(at: Self.epoch)),
                                    (earlierCutOff, .rotation(at: Self.epoch)), (earlierCutOff, .grace(rotatedSince: Self.epoch))] {
                let successor = Self.token(of: owner, family: token.familyID)
                #expect(try await store.exchange(token.id, by: claim, for: successor, issuedTo: asRead) == .userChanged, "\(asRead), \(claim)")
                #expect(try await tokens.find(tokenHash: successor.tokenHash) == nil)
            }
            _ = try await store.repositories.users.update(id: owner.id, tenantID: tenant.id, changes: UserChanges(isActive: false), at: Self.epoch)
            let successor = Self.token(of: owner, family: token.familyID)
            #expect(try await store.exchange(token.id, by: .rotation(at: Self.epoch), for: successor, issuedTo: owner) == .userChanged)
            #expect(try await tokens.find(tokenHash: successor.tokenHash) == nil)
            #expect(try await tokens.find(tokenHash: token.tokenHash) == token, "never claimed")
        }
    }

    /// A cut-off under way (its transaction has moved the user's version on and not committed) when an
    /// exchange starts: the exchange waits for it, then finds the user changed.
    @Test(arguments: StoreKind.available)
    func anExchangeWaitsForACutOffUnderWayAndStoresNothing(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .user)])
            let (tokens, owner) = (store.repositories.refreshTokens, users[0])
            let token = Self.token(of: owner)
            try await tokens.insert(token)
            let successor = Self.token(of: owner, family: token.familyID)
            let exchanged = try await Self.duringACutOff(of: owner, in: store) {
                try await store.exchange(token.id, by: .rotation(at: Self.epoch), for: successor, issuedTo: owner)
            }
            #expect(exchanged == .userChanged)
            #expect(try await tokens.find(tokenHash: successor.tokenHash) == nil)
        }
    }

    /// What `operation` answers when it starts while a cut-off of `user` is under way (its transaction
    /// has moved the user's version on and not committed), the cut-off committed 300 ms later.
    static func duringACutOff<Answer: Sendable>(
        of user: User, in store: any AuthStore, _ operation: @escaping @Sendable () async throws -> Answer
    ) async throws -> Answer {
        let (held, release) = (Latch(), Latch())
        async let cutting: Void = store.transaction { storage in
            try await storage.users.markSessionsCutOff(id: user.id, at: Self.epoch)
            held.open()
            await release.wait()
        }
        await held.wait()
        async let answer = operation()
        try await Task.sleep(for: .milliseconds(300))  // the operation has started, and waits for the cut-off
        release.open()
        try await cutting
        return try await answer
    }

    /// PostgreSQL's exchange is one statement that holds the user's row before it claims the token: a
    /// cut-off made while the exchange waits for the token's row waits for the exchange, and then
    /// revokes the successor it stored.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aCutOffWaitsForAnExchangeThatHoldsTheUserThenRevokesTheSuccessor(kind: StoreKind) async throws {
        // Time limits of a minute: the whole suite at once on two cores can hold a task up for seconds.
        try await TestPostgres.withDatabase(name: "auth", migrations: AuthSchema.postgres, statementTimeout: .seconds(60)) { database in
            let logger = Logger(label: "test")
            let store = PostgresAuthStore(database: database, logger: logger)
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .user)])
            let (tokens, owner) = (store.repositories.refreshTokens, users[0])
            let token = Self.token(of: owner)
            try await tokens.insert(token)
            let waitUntil = { (count: Int) in try await Self.waitUntil(count, statementsWaitForALockIn: database) }
            let (held, release) = (Latch(), Latch())
            async let holding: Void = database.transaction { connection in
                try await connection.run("SELECT id FROM refresh_tokens WHERE id = \(token.id) FOR UPDATE", logger: logger)
                held.open()
                await release.wait()
            }
            await held.wait()
            let successor = Self.token(of: owner, family: token.familyID)
            async let exchanging = store.exchange(token.id, by: .rotation(at: Self.epoch), for: successor, issuedTo: owner)
            try await waitUntil(1)  // the exchange, for the token's row
            let cache = RevocationCache(repository: store.repositories.revocations, horizonSeconds: 900, now: { Date() }, logger: logger)
            async let cutting: Void = SessionCutOffs(store: store, cache: cache, now: { Date() }).cutOff(userID: owner.id)
            try await waitUntil(2)  // and the cut-off, for the user's
            release.open()
            try await holding
            #expect(try await exchanging == .exchanged)
            try await cutting
            #expect(try await tokens.find(tokenHash: successor.tokenHash)?.revokedAt != nil, "the successor outlived the cut-off")
        }
    }

    /// Waits (up to a minute) until `count` statements of `database`'s pool wait for a lock.
    static func waitUntil(_ count: Int, statementsWaitForALockIn database: PostgreSQLDatabase) async throws {
        func waiting() async throws -> Int {
            try await database.withConnection { connection in
                try await connection.query(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = current_setting('application_name') AND wait_event_type = 'Lock'",
                    logger: Logger(label: "test")
                ).collect().first?.decode(Int.self) ?? 0
            }
        }
        let start = ContinuousClock.now
        while try await waiting() < count, ContinuousClock.now - start < .seconds(60) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await waiting() == count)
    }

    /// A login's first refresh token is stored only while the user is as read when its password was
    /// checked (another role, password or cut-off version, or since deactivated: nothing stored).
    @Test(arguments: StoreKind.available)
    func aSessionOpensOnlyForTheUserAsRead(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (tenant, users) = try await Self.seed(store, users: [("a@x.test", .admin)])
            let (tokens, owner) = (store.repositories.refreshTokens, users[0])
            let first = Self.token(of: owner)
            #expect(try await store.openSession(with: first, issuedTo: owner))
            #expect(try await tokens.find(tokenHash: first.tokenHash) == first)
            let (otherRole, otherPassword, earlierCutOff) = Self.readBeforeAChange(of: owner)
            for asRead in [otherRole, otherPassword, earlierCutOff] {
                let token = Self.token(of: owner)
                #expect(try await !store.openSession(with: token, issuedTo: asRead), "\(asRead)")
                #expect(try await tokens.find(tokenHash: token.tokenHash) == nil)
            }
            _ = try await store.repositories.users.update(id: owner.id, tenantID: tenant.id, changes: UserChanges(isActive: false), at: Self.epoch)
            let token = Self.token(of: owner)
            #expect(try await !store.openSession(with: token, issuedTo: owner))
            #expect(try await tokens.find(tokenHash: token.tokenHash) == nil)
        }
    }

    /// A cut-off under way when a session opens: the opening waits for it, then finds the user changed.
    @Test(arguments: StoreKind.available)
    func aSessionWaitsForACutOffUnderWayAndStoresNothing(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .user)])
            let owner = users[0]
            let token = Self.token(of: owner)
            let opened = try await Self.duringACutOff(of: owner, in: store) { try await store.openSession(with: token, issuedTo: owner) }
            #expect(!opened)
            #expect(try await store.repositories.refreshTokens.find(tokenHash: token.tokenHash) == nil)
        }
    }

    /// PostgreSQL's opening of a session is one statement that holds the user's row before it stores the
    /// token: a cut-off made while the opening waits to store it waits for the opening, and then revokes
    /// the token. (The opening is held by another transaction's uncommitted insert of the same token
    /// hash, rolled back when released.)
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aCutOffWaitsForASessionOpeningThatHoldsTheUserThenRevokesItsToken(kind: StoreKind) async throws {
        struct RolledBack: Error {}
        try await TestPostgres.withDatabase(name: "auth", migrations: AuthSchema.postgres, statementTimeout: .seconds(60)) { database in
            let logger = Logger(label: "test")
            let store = PostgresAuthStore(database: database, logger: logger)
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .user)])
            let owner = users[0]
            let token = Self.token(of: owner)
            let (held, release) = (Latch(), Latch())
            async let holding: Void = store.transaction { storage in
                var twin = Self.token(of: owner)
                twin.tokenHash = token.tokenHash
                try await storage.refreshTokens.insert(twin)
                held.open()
                await release.wait()
                throw RolledBack()
            }
            await held.wait()
            async let opening = store.openSession(with: token, issuedTo: owner)
            try await Self.waitUntil(1, statementsWaitForALockIn: database)  // the opening, for the twin's hash
            let cache = RevocationCache(repository: store.repositories.revocations, horizonSeconds: 900, now: { Date() }, logger: logger)
            async let cutting: Void = SessionCutOffs(store: store, cache: cache, now: { Date() }).cutOff(userID: owner.id)
            try await Self.waitUntil(2, statementsWaitForALockIn: database)  // and the cut-off, for the user's row
            release.open()
            do {
                try await holding
                Issue.record("the twin's transaction committed")
            } catch is RolledBack {}
            #expect(try await opening)
            try await cutting
            #expect(try await store.repositories.refreshTokens.find(tokenHash: token.tokenHash)?.revokedAt != nil, "the token outlived the cut-off")
        }
    }

    @Test(arguments: StoreKind.available)
    func twoExchangesOfOneRefreshTokenAtOnce_exactlyOneWins(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let (_, users) = try await Self.seed(store, users: [("a@x.test", .admin)])
            for round in 0..<10 {
                let token = Self.token(of: users[0])
                try await store.repositories.refreshTokens.insert(token)
                let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            let successor = Self.token(of: users[0], family: token.familyID)
                            return try await store.exchange(token.id, by: .rotation(at: Self.epoch), for: successor, issuedTo: users[0]) == .exchanged
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(winners == 1, "round \(round)")
            }
        }
    }

    /// The last-active-admin rule is the user service's, over the store's transaction: two admins of a
    /// tenant demoting each other at once must not leave it with none.
    @Test(arguments: StoreKind.available)
    func twoLastAdminsDemotingEachOtherAtOnce_oneIsRefused(kind: StoreKind) async throws {
        try await withAuthStore(kind) { store in
            let cache = RevocationCache(repository: store.repositories.revocations, horizonSeconds: 900, now: { Date() }, logger: Logger(label: "test"))
            let service = UserService(
                store: store, passwords: PasswordHasher(parameters: AuthTestHarness.fastHashing),
                cutOffs: SessionCutOffs(store: store, cache: cache, now: { Date() }),
                attempts: RateLimiter(perMinute: 1000), now: { Date() })
            for round in 0..<10 {
                let (tenant, admins) = try await Self.seed(store, users: [("a\(round)@x.test", .admin), ("b\(round)@x.test", .admin)])
                let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (caller, target) in [(admins[0], admins[1]), (admins[1], admins[0])] {
                        group.addTask {
                            let identity = AuthenticatedUser(
                                userID: caller.id, tenantID: tenant.id, tenantSlug: tenant.slug, role: .admin, tokenID: "t", issuedAt: 0, expiresAt: 0)
                            do {
                                _ = try await service.update(target.id, with: UpdateUserRequest(role: .user), by: identity, audit: .none, logger: Logger(label: "test"))
                                return true
                            } catch let error as AppError where error.code == .conflict {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1, "round \(round)")
                #expect(try await store.repositories.users.countActiveAdmins(tenantID: tenant.id) == 1, "round \(round)")
            }
        }
    }
}
