import Crypto
import Foundation
import ServiceKit

/// The secret a client holds as its refresh token: 256 random bits, base64url. Only its SHA-256 is
/// stored; being random, it needs no salt or slow hash.
enum RefreshTokenSecret {
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    static func hash(_ secret: String) -> Data {
        Data(SHA256.hash(data: Data(secret.utf8)))
    }
}
