/// What login and refresh answer: `{"access_token","refresh_token","token_type":"Bearer","expires_in"}`.
struct TokenResponse: Codable, Sendable {
    var accessToken: String
    var refreshToken: String
    var tokenType = "Bearer"
    /// Seconds until the access token expires.
    var expiresIn: Int
}
