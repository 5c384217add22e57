import Crypto
import TokenVerification

/// The keys in use: one signs new access tokens; all (rotated-in keys not active yet, retired keys
/// whose tokens may still be valid) are published in the JWKS and trusted by the service's own verifier.
public struct SigningKeyRing: Sendable {
    public let signer: AccessTokenSigner
    public let publicKeys: JSONWebKeySet
    public let verificationKeys: VerificationKeySet

    public init(signing: SigningKey, others: [SigningKey] = []) async throws {
        let keys = [signing] + others
        signer = AccessTokenSigner(key: signing)
        publicKeys = JSONWebKeySet(keys: keys.map(\.publicJWK))
        verificationKeys = try await VerificationKeySet.make(
            Dictionary(keys.map { ($0.keyID, $0.privateKey.publicKey) }, uniquingKeysWith: { first, _ in first }))
    }
}

extension SigningKeyRing {
    /// The signing key's id and the published ids, in order: what tells two rings apart.
    var identity: [String] { [signer.key.keyID] + publicKeys.keys.compactMap(\.kid) }
}
