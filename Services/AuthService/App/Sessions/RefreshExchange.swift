import Foundation

/// How a presented refresh token is claimed for an exchange.
public enum RefreshClaim: Sendable, Equatable {
    /// Its first exchange: it is marked rotated at the date, replaced by the successor.
    case rotation(at: Date)
    /// Its one exchange more within the reuse grace: rotated at or after the date, its successor the
    /// family's newest token, its grace not spent.
    case grace(rotatedSince: Date)
}

/// How an exchange of a refresh token for its successor ended.
public enum RefreshExchange: Sendable, Equatable {
    /// The token is claimed and its successor stored.
    case exchanged
    /// Another exchange claimed the token first, or its grace is spent: nothing stored.
    case notClaimed
    /// The user is not as they were when the tokens were made (a cut-off came first): nothing stored.
    case userChanged
}

extension User {
    /// Whether `current` is still the user that tokens were made for as `user`: active, with the same
    /// role, password and cut-off version. (`PostgresAuthStore`'s exchange says the same in SQL.)
    static func isUnchanged(_ current: User, since user: User) -> Bool {
        current.isActive && current.role == user.role && current.passwordHash == user.passwordHash
            && current.sessionsCutOff == user.sessionsCutOff
    }
}

extension AuthStore {
    /// Runs `writes` in one transaction that first reads and holds the user's row and checks that they
    /// are as `user` was read when tokens were made for them (`User.isUnchanged`); nil, and nothing
    /// written, when they are not. A cut-off changes the user's row before it revokes their tokens: it
    /// either committed before (and shows here), or waits for this transaction, then revokes what
    /// `writes` stored and takes a `not_before` later than any access token signed before it.
    func whileUnchanged<Result: Sendable>(
        _ user: User, _ writes: @escaping @Sendable (AuthRepositories) async throws -> Result
    ) async throws -> Result? {
        try await transaction { storage in
            guard let current = try await storage.users.findHoldingChanges(id: user.id, tenantID: user.tenantID),
                User.isUnchanged(current, since: user)
            else { return nil }
            return try await writes(storage)
        }
    }

    /// `openSession` as the steps of one transaction (`whileUnchanged`): the user held and checked, the
    /// token stored.
    func openSessionStepByStep(with token: RefreshTokenRecord, issuedTo user: User) async throws -> Bool {
        try await whileUnchanged(user) { storage in try await storage.refreshTokens.insert(token) } != nil
    }

    /// `exchange` as the steps of one transaction (`whileUnchanged`): the user held and checked, the
    /// token claimed, the successor stored. The exchange in the terms of any store's transaction (the
    /// tests' gated store runs it, to stop it between steps); SQLite runs the same statements in one
    /// call to its writer, PostgreSQL as one statement.
    func exchangeStepByStep(
        _ token: UUID, by claim: RefreshClaim, for successor: RefreshTokenRecord, issuedTo user: User
    ) async throws -> RefreshExchange {
        try await whileUnchanged(user) { storage -> RefreshExchange in
            let claimed = switch claim {
            case .rotation(let date): try await storage.refreshTokens.markRotated(id: token, at: date, successor: successor.id)
            case .grace(let since): try await storage.refreshTokens.spendGrace(id: token, rotatedSince: since)
            }
            guard claimed else { return .notClaimed }
            try await storage.refreshTokens.insert(successor)
            return .exchanged
        } ?? .userChanged
    }
}
