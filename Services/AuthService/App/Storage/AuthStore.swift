import Foundation

/// The auth service's storage, one implementation per database (SQLite, PostgreSQL). A store is only
/// storage: the rules that span several writes (a tenant with its first admin, the last active admin,
/// a cut-off's three writes) are the services', written once over `transaction`. One is the store's:
/// the exchange of a refresh token for its successor, which every refresh makes: PostgreSQL in one
/// statement instead of five round trips, SQLite in one call to its writer instead of five
/// (`exchangeStepByStep` is the same over `transaction`); and, the same way, the first token of a
/// session, which every login stores (`openSession`; `openSessionStepByStep`).
public protocol AuthStore: Sendable {
    /// The repositories outside a transaction: each call commits on its own.
    var repositories: AuthRepositories { get }
    /// Runs `body` in one transaction with repositories that act in it: committed when `body` returns,
    /// rolled back when it throws. `body` does storage only (it may hold other writers meanwhile).
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (AuthRepositories) async throws -> Result) async throws -> Result
    /// Claims the refresh token `token` by `claim` and stores `successor`, in one transaction that first
    /// holds the row of the user the tokens are for and finds them as `user` was read
    /// (`User.isUnchanged`); nothing is stored unless it answers `.exchanged`. Two exchanges of one token
    /// at once: at most one is `.exchanged`. A cut-off of the user either commits first (`.userChanged`)
    /// or waits for the exchange, and then revokes the successor.
    func exchange(_ token: UUID, by claim: RefreshClaim, for successor: RefreshTokenRecord, issuedTo user: User) async throws -> RefreshExchange
    /// Stores `token`, the first of a new session, in one transaction that first holds the row of the
    /// user it is for and finds them as `user` was read (`User.isUnchanged`); false, and nothing stored,
    /// when they are not. A cut-off of the user either commits first (false) or waits for this, and then
    /// revokes the token.
    func openSession(with token: RefreshTokenRecord, issuedTo user: User) async throws -> Bool
    /// The schema version, when the database answers (`/readyz`).
    func ping() async throws -> Int
    /// Where this store's processes count attempts: in the process for a store only one process
    /// opens (SQLite), in the database for one that replicas share (PostgreSQL).
    func attemptLimiter(perMinute limit: Int, capacity: Int, now: @escaping @Sendable () -> Date) -> any AttemptLimiter
}

/// The repositories of one store, in one transaction or none.
public struct AuthRepositories: Sendable {
    public let tenants: any TenantRepository
    public let users: any UserRepository
    public let refreshTokens: any RefreshTokenRepository
    public let revocations: any RevocationRepository

    public init(tenants: any TenantRepository, users: any UserRepository, refreshTokens: any RefreshTokenRepository, revocations: any RevocationRepository) {
        self.tenants = tenants
        self.users = users
        self.refreshTokens = refreshTokens
        self.revocations = revocations
    }
}
