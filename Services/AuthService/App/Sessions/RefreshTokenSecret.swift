import Crypto
import Foundation
import ServiceKit

/// The secret a client holds as its refresh token: 256 random bits, base64url. Only its SHA-256 is
/// stored; being random, it needs no salt or slow hash.
enum RefreshTokenSecret {
    /// 256 random bits, base64url: from the system's generator through swift-crypto in one call (32 calls
    /// of `UInt8.random` were 32 system calls, 5 % of a refresh).
    static func generate() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// Checks a presented refresh token for its shape (base64url, at most 512 characters) before it is
    /// hashed and looked up: a 400 for anything else.
    static func check(_ secret: String, field: String = "refresh_token") throws(AppError) {
        let isBase64URL = secret.utf8.allSatisfy { byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F
        }
        guard !secret.isEmpty, secret.utf8.count <= 512, isBase64URL else {
            throw AppError.validationFailed([FieldError(field: field, message: "is not a refresh token")])
        }
    }

    static func hash(_ secret: String) -> Data {
        Data(SHA256.hash(data: Data(secret.utf8)))
    }
}
