import Foundation
import GRDB

/// Reading the values the services store: UUIDs as text, times as milliseconds since the epoch.
extension Row {
    /// A UUID stored as text.
    public func uuid(_ column: String) -> UUID {
        UUID(parsing: self[column] as String)!
    }

    /// A time stored as milliseconds.
    public func date(_ column: String) -> Date {
        Date(millisecondsSince1970: self[column] as Int64)
    }

    public func optionalDate(_ column: String) -> Date? {
        (self[column] as Int64?).map(Date.init(millisecondsSince1970:))
    }
}
