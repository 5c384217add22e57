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

    /// The steps of `exchangeStepByStep` as one synchronous transaction (the user read and checked, the
    /// token claimed, its successor stored), run with the other refreshes' by whichever holds the writer
    /// (`SQLiteTransactions.writeCombined`). Through `transaction` (five calls to the writer, handed from
    /// task to task) the writer sat idle between refreshes.
    func exchange(_ token: UUID, by claim: RefreshClaim, for successor: RefreshTokenRecord, issuedTo user: User) async throws -> RefreshExchange {
        try await database.writeCombined { db in
            guard let current = try SQLiteUserRepository.find(db, id: user.id, tenantID: user.tenantID), User.isUnchanged(current, since: user) else {
                return .userChanged
            }
            let claimed = switch claim {
            case .rotation(let date): try SQLiteRefreshTokenRepository.markRotated(db, id: token, at: date, successor: successor.id)
            case .grace(let since): try SQLiteRefreshTokenRepository.spendGrace(db, id: token, rotatedSince: since)
            }
            guard claimed else { return .notClaimed }
            try SQLiteRefreshTokenRepository.insert(db, successor)
            return .exchanged
        }
    }

    func openSession(with token: RefreshTokenRecord, issuedTo user: User) async throws -> Bool {
        try await openSessionStepByStep(with: token, issuedTo: user)
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
