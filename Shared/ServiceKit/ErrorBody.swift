/// The contract's error body: `{"error": {"code", "message", "request_id", "details"?}}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Content: Codable, Sendable, Equatable {
        public var code: AppError.Code
        public var message: String
        public var requestId: String?
        /// Omitted from the JSON when nil.
        public var details: [FieldError]?
    }

    public var error: Content

    public init(_ error: AppError, requestID: String?) {
        self.error = Content(
            code: error.code,
            message: error.message,
            requestId: requestID,
            details: error.details.isEmpty ? nil : error.details
        )
    }
}
