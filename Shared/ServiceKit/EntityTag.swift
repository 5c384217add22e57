/// Strong entity tags made from a resource's version number (`ETag: "3"`), and the `If-Match` check
/// of optimistic concurrency (RFC 9110 §13.1.1: strong comparison, `*` matches any current version).
public enum EntityTag {
    /// The `ETag` value of a version.
    public static func value(version: Int) -> String {
        "\"\(version)\""
    }

    /// Checks an `If-Match` header for what it may hold: printable ASCII (entity tags are), at most
    /// 1,024 characters; a 400 naming it otherwise, before it is compared. (A byte outside ASCII arrives
    /// decoded as U+FFFD, so it is caught here too.)
    public static func check(ifMatch header: String?) throws(AppError) {
        guard let header else { return }
        guard header.utf8.count <= 1_024, header.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw AppError.validationFailed([FieldError(field: "If-Match", message: "must be entity tags (printable ASCII) or *")])
        }
    }

    /// Whether an `If-Match` header accepts the current `version`.
    public static func ifMatch(_ header: String, accepts version: Int) -> Bool {
        let current = value(version: version)
        return header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingHTTPWhitespace()
            return tag == "*" || tag == current  // a weak tag (`W/"3"`) never matches strongly
        }
    }
}
