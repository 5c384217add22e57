import Foundation

extension UUID {
    /// The contract's form of an id: lower-case text. (`uuidString` is upper-case, and so is
    /// `JSONEncoder`'s encoding of a `UUID`: wire types hold ids as this string.)
    public var lowercasedString: String { uuidString.lowercased() }
}
