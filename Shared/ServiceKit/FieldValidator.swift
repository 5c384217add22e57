/// Collects the problems of a request's fields so that one 400 `validation_failed` lists them all.
///
/// ```swift
/// var validator = FieldValidator()
/// validator.check(title.unicodeScalars.count <= 255, "title", "must be at most 255 characters")
/// try validator.finish()
/// ```
public struct FieldValidator: Sendable {
    public private(set) var problems: [FieldError] = []

    public init() {}

    /// Records `message` for `field` unless `condition` holds.
    public mutating func check(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { problems.append(FieldError(field: field, message: message)) }
    }

    /// Checks a text's length in Unicode scalar values, as the contract counts it, and that it holds no
    /// NUL character (which neither SQLite's C API nor PostgreSQL's `text` keeps).
    public mutating func checkLength(_ text: String?, _ field: String, _ range: ClosedRange<Int>) {
        guard let text else { return }
        let count = text.unicodeScalars.count
        if text.unicodeScalars.contains("\u{0}") {
            problems.append(FieldError(field: field, message: "must not contain NUL characters"))
        } else if range.lowerBound > 0, count == 0 {
            problems.append(FieldError(field: field, message: "must not be empty"))
        } else if !range.contains(count) {
            let message = range.lowerBound <= 1
                ? "must be at most \(range.upperBound) characters"
                : "must be \(range.lowerBound) to \(range.upperBound) characters"
            problems.append(FieldError(field: field, message: message))
        }
    }

    /// Throws the 400 listing every problem, if there is any.
    public func finish() throws(AppError) {
        if !problems.isEmpty { throw AppError.validationFailed(problems) }
    }
}
