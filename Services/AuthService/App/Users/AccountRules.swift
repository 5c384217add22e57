import ServiceKit

/// The contract's rules for what people type: slugs, emails, names and passwords.
enum AccountRules {
    static let passwordLength = 8...128
    static let nameLength = 1...200
    static let emailLength = 3...254

    /// `^[a-z0-9][a-z0-9-]{1,62}$`
    static func isValidSlug(_ slug: String) -> Bool {
        let bytes = Array(slug.utf8)
        guard (2...63).contains(bytes.count) else { return false }
        func isLowerAlphanumeric(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        return isLowerAlphanumeric(bytes[0]) && bytes.dropFirst().allSatisfy { isLowerAlphanumeric($0) || $0 == 0x2D }
    }

    /// An email as stored: lower-cased.
    static func normalizedEmail(_ email: String) -> String {
        email.lowercased()
    }

    /// `local@domain.tld` with no spaces: enough to catch typos; the address itself is never mailed here.
    static func isValidEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else {
            return false
        }
        return !email.contains { $0.isWhitespace }
    }

    static func check(email: String, field: String = "email", in validator: inout FieldValidator) {
        let before = validator.problems.count
        validator.checkText(email, field, emailLength)
        if validator.problems.count == before { validator.check(isValidEmail(email), field, "must be an email address") }
    }

    /// A new password: 8–128 characters, none of them a control character.
    static func check(password: String, field: String = "password", in validator: inout FieldValidator) {
        if let problem = TextRules.problem(of: password, .singleLine) {
            validator.check(false, field, problem)
        } else {
            validator.check(passwordLength.contains(password.unicodeScalars.count), field, "must be 8 to 128 characters")
        }
    }

    /// A password presented to be compared with a stored hash: bounded, and never NUL (libargon2 takes
    /// bytes, but no password was ever stored with one).
    static func check(presentedPassword password: String, field: String, in validator: inout FieldValidator) {
        validator.checkText(password, field, 1...passwordLength.upperBound, .multiline)
    }

    static func check(name: String, field: String = "name", in validator: inout FieldValidator) {
        validator.checkText(name, field, nameLength)
    }

    /// A tenant slug as a client names it (login, registration): checked for what it may hold, not for
    /// the slug rule, so that an unknown tenant stays indistinguishable from a missing one.
    static func check(tenantSlug slug: String, field: String = "tenant", in validator: inout FieldValidator) {
        validator.checkText(slug, field, 1...63)
    }
}
