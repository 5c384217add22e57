import Crypto
import TokenVerification

/// The keys in use: the first signs new access tokens; all are published in the JWKS and trusted by
/// the service's own verifier.
public struct SigningKeyRing: Sendable {
    public let signer: AccessTokenSigner
    public let publicKeys: JSONWebKeySet
    public let verificationKeys: VerificationKeySet

    public init(signing: SigningKey, retired: [SigningKey] = []) async throws {
        let keys = [signing] + retired
        signer = try await AccessTokenSigner(key: signing)
        publicKeys = JSONWebKeySet(keys: keys.map(\.publicJWK))
        verificationKeys = try await VerificationKeySet.make(
            Dictionary(keys.map { ($0.keyID, $0.privateKey.publicKey) }, uniquingKeysWith: { first, _ in first }))
    }
}
