/// A user's role within their tenant.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case user
    case moderator
    case admin

    /// `user` < `moderator` < `admin`.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
