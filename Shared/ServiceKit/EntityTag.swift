/// Strong entity tags made from a resource's version number (`ETag: "3"`), and the `If-Match` check
/// of optimistic concurrency (RFC 9110 §13.1.1: strong comparison, `*` matches any current version).
public enum EntityTag {
    /// The `ETag` value of a version.
    public static func value(version: Int) -> String {
        "\"\(version)\""
    }

    /// Whether an `If-Match` header accepts the current `version`.
    public static func ifMatch(_ header: String, accepts version: Int) -> Bool {
        let current = value(version: version)
        return header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == current  // a weak tag (`W/"3"`) never matches strongly
        }
    }
}
