/// `LIKE` patterns that match text literally: `%` and `_` in what a user searches for mean those
/// characters, not wildcards. Use with `ESCAPE '\'`.
public enum LikePattern {
    /// The pattern of "contains `text`".
    public static func containing(_ text: String) -> String {
        var escaped = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "%"
    }
}
