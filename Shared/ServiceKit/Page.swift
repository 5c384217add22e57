/// A page of a list: `{"items": [...], "next_cursor": "…" | null}`.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    /// The cursor of the next page; nil on the last page.
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: CodingKey {
        case items, nextCursor  // the contract coders write `next_cursor`
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)  // `null` on the last page, not absent
    }
}

extension Page: Decodable where Item: Decodable {}
