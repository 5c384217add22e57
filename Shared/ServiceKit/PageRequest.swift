/// The contract's pagination query: `?limit=` (1–100, default 20) and `?cursor=` (opaque).
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 20
    public static let maximumLimit = 100

    public var limit: Int
    /// Where the previous page ended; nil for the first page.
    public var after: KeysetCursor?

    public init(limit: Int = PageRequest.defaultLimit, after: KeysetCursor? = nil) {
        self.limit = limit
        self.after = after
    }

    /// Reads `limit` and `cursor` from the query; a bad value is a 400 naming the parameter.
    public init(limit limitText: Substring?, cursor cursorText: Substring?) throws(AppError) {
        var limit = Self.defaultLimit
        if let limitText {
            guard let value = Int(limitText), (1...Self.maximumLimit).contains(value) else {
                throw AppError.validationFailed([FieldError(field: "limit", message: "must be a whole number from 1 to \(Self.maximumLimit)")])
            }
            limit = value
        }
        var after: KeysetCursor?
        if let cursorText, !cursorText.isEmpty {
            guard let cursor = KeysetCursor(encoded: cursorText) else {
                throw AppError.validationFailed([FieldError(field: "cursor", message: "is not a cursor this service gave out")])
            }
            after = cursor
        }
        self.init(limit: limit, after: after)
    }

    /// The page of `rows`, fetched with `limit + 1` so that a next page is known without another query.
    public func page<Row, Item>(
        of rows: [Row], cursor: (Row) -> KeysetCursor, item: (Row) -> Item
    ) -> Page<Item> {
        let visible = rows.prefix(limit)
        let next = rows.count > limit ? visible.last.map(cursor) : nil
        return Page(items: visible.map(item), nextCursor: next?.encoded)
    }
}
