/// The `?q=` of a list: a search term that the database matches with `LIKE '%…%'`, whose cost grows
/// with its length times the length of what it searches, so its length is bounded (the contract: at
/// most 200 characters, 400 beyond) and it holds no control character (`QueryReader.searchTerm`).
public enum SearchTerm {
    public static let maximumLength = 200
}
