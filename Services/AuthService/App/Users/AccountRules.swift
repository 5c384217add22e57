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
        validator.checkLength(email, field, emailLength)
        if !email.isEmpty { validator.check(isValidEmail(email), field, "must be an email address") }
    }

    static func check(password: String, field: String = "password", in validator: inout FieldValidator) {
        validator.check(passwordLength.contains(password.unicodeScalars.count), field, "must be 8 to 128 characters")
    }

    static func check(name: String, field: String = "name", in validator: inout FieldValidator) {
        validator.checkLength(name, field, nameLength)
    }
}
