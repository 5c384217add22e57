import Foundation
import DatabaseKit
import GRDB

/// The auth service's storage in SQLite (`DATABASE_URL=sqlite:<path>`).
struct SQLiteAuthStore: AuthStore {
    let database: SQLiteTransactions

    /// The inline reads' caches are small: the auth service's reads are single rows by key (a user, a
    /// token by its hash), and under refresh, where every write adds a token, larger caches only grew:
    /// with the writer's at 4 MiB (`openDatabase`), peak RSS 67 -> 54 MiB at the same rate.
    init(_ pool: DatabasePool) {
        database = SQLiteTransactions(pool, inlineCacheMiB: 1)
    }

    var repositories: AuthRepositories { Self.repositories(database.access) }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (AuthRepositories) async throws -> Result) async throws -> Result {
        try await database.transaction { access in try await body(Self.repositories(access)) }
    }

    func exchange(_ token: UUID, by claim: RefreshClaim, for successor: RefreshTokenRecord, issuedTo user: User) async throws -> RefreshExchange {
        try await exchangeStepByStep(token, by: claim, for: successor, issuedTo: user)
    }

    func ping() async throws -> Int {
        try await SQLiteDatabase.ping(database.pool)
    }

    func attemptLimiter(perMinute limit: Int, capacity: Int, now: @escaping @Sendable () -> Date) -> any AttemptLimiter {
        RateLimiter(perMinute: limit, capacity: capacity, now: now)
    }

    private static func repositories(_ access: SQLiteAccess) -> AuthRepositories {
        AuthRepositories(
            tenants: SQLiteTenantRepository(database: access), users: SQLiteUserRepository(database: access),
            refreshTokens: SQLiteRefreshTokenRepository(database: access), revocations: SQLiteRevocationRepository(database: access))
    }
}
