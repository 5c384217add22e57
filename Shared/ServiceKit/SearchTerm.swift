/// The `?q=` of a list: a search term that the database matches with `LIKE '%…%'`, whose cost grows
/// with its length times the length of what it searches, so its length is bounded (the contract: at
/// most 200 characters, 400 beyond) and it holds no control character.
public enum SearchTerm {
    public static let maximumLength = 200

    /// The term of `text`, nil when absent or empty; a 400 naming `field` when it is too long or holds
    /// a control character.
    public static func parse(_ text: Substring?, field: String = "q") throws(AppError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        let term = String(text)
        var validator = FieldValidator()
        validator.checkText(term, field, 1...maximumLength)
        try validator.finish()
        return term
    }
}
