/// Why an access token was refused. Clients only ever see a 401 `invalid_token`; the reason is
/// for logs and tests.
public enum TokenRejection: Error, Sendable, Equatable {
    /// Not three base64url parts of JSON, too long, or claims of the wrong shape.
    case malformed
    /// `alg` is not the configured algorithm (ES256): `none`, HS256, RS256, EdDSA, …
    case unsupportedAlgorithm(String?)
    /// No `kid` in the header.
    case missingKeyID
    /// A `kid` that the key set does not hold, even after a refetch.
    case unknownKeyID(String)
    case badSignature
    case wrongIssuer
    case wrongAudience
    /// `typ` is not `access` (a refresh or other token).
    case wrongType
    case expired
    case notYetValid
    /// `iat` is in the future beyond the leeway.
    case issuedInFuture
    /// A claim that must be a UUID (`sub`, `tid`) is not one.
    case invalidClaim(String)
    /// The subject's tokens issued before a time were cut off (see the revocation list).
    case revoked
    /// No key set could be had yet (the auth service has not answered since start).
    case keysUnavailable
}
