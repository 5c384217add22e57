import Hummingbird
import ServiceKit

/// A request context that can carry the authenticated caller.
public protocol AuthenticatedRequestContext: ServiceRequestContext {
    var identity: AuthenticatedUser? { get set }
}

/// Turns `Authorization: Bearer <access token>` into the request's `identity`, or answers 401:
/// with `WWW-Authenticate: Bearer` when no bearer credentials came, and with
/// `WWW-Authenticate: Bearer error="invalid_token"` when a token came and was refused (RFC 6750).
public struct BearerAuthenticator<Context: AuthenticatedRequestContext>: RouterMiddleware {
    let verifier: AccessTokenVerifier

    public init(verifier: AccessTokenVerifier) {
        self.verifier = verifier
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            throw Self.missingCredentials
        }
        let user: AuthenticatedUser
        do {
            user = try await verifier.verify(token)
        } catch {
            context.logger.info("Access token refused", metadata: ["reason": "\(error)"])
            throw Self.invalidToken
        }
        var context = context
        context.identity = user
        context.logger[metadataKey: "user_id"] = .string(user.userID.lowercasedString)
        context.logger[metadataKey: "tenant_id"] = .string(user.tenantID.lowercasedString)
        context.observation?.identify(tenantID: user.tenantID.lowercasedString, userID: user.userID.lowercasedString)
        return try await next(request, context)
    }

    /// The token of a `Bearer` authorization; nil when there is no header or another scheme.
    /// `Bearer` with nothing after it yields an empty token, which the verifier refuses.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let trimmed = authorization.trimmingHTTPWhitespace()
        let scheme = trimmed.prefix { $0 != " " }
        guard scheme.count == 6, scheme.lowercased() == "bearer" else { return nil }
        return String(trimmed.dropFirst(scheme.count).trimmingHTTPWhitespace())
    }

    static var missingCredentials: AppError {
        AppError(.authenticationFailed, "Authentication required", headers: [.wwwAuthenticate: "Bearer"])
    }

    static var invalidToken: AppError {
        AppError(.authenticationFailed, "The access token is not valid", headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    }
}
