import Foundation
import DatabaseKit
import GRDB

/// The auth service's storage in SQLite (`DATABASE_URL=sqlite:<path>`).
struct SQLiteAuthStore: AuthStore {
    let database: SQLiteTransactions

    init(_ pool: DatabasePool) {
        database = SQLiteTransactions(pool)
    }

    var repositories: AuthRepositories { Self.repositories(database.access) }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (AuthRepositories) async throws -> Result) async throws -> Result {
        try await database.transaction { access in try await body(Self.repositories(access)) }
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
