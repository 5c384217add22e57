import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ServiceKit

/// Every error path answers with the contract's body and status, carrying the request id.
@Suite struct ErrorResponseTests {
    struct NewItem: Decodable {
        enum Kind: String, Decodable { case small, large }
        let name: String
        let count: Int
        let kind: Kind
    }

    /// A body that names all its fields.
    struct NewClosedItem: ClosedRequestBody {
        let name: String
        let itemCount: Int
        enum CodingKeys: CodingKey, CaseIterable { case name, itemCount }
    }

    struct Item: Encodable {
        let name: String
        let createdAt: Date
    }

    struct SecretFailure: Error, CustomStringConvertible {
        var description: String { "password=hunter2 table users" }
    }

    static func makeApp(ready: Bool = true) -> some ApplicationProtocol {
        let router = ServiceRouter.make(
            context: BasicServiceRequestContext.self, metrics: ServiceMetrics(),
            readiness: { if !ready { throw SecretFailure() }; return 1 })
        router.post("/items") { request, context in
            let item = try await request.decode(as: NewItem.self, context: context)
            return try Response.json(Item(name: item.name, createdAt: Date(timeIntervalSince1970: 1_795_000_000.123)), status: .created)
        }
        router.post("/closed-items") { request, context in
            let item = try await request.decode(as: NewClosedItem.self, context: context)
            return try Response.json(Item(name: "\(item.name) \(item.itemCount)", createdAt: Date(timeIntervalSince1970: 0)), status: .created)
        }
        router.get("/items/:id") { _, context -> Response in
            throw AppError.notFound("Item \(context.parameters.get("id") ?? "") not found")
        }
        router.get("/boom") { _, _ -> Response in throw SecretFailure() }
        router.get("/busy") { _, _ -> Response in throw HTTPError(.tooManyRequests, headers: [.retryAfter: "9"]) }
        router.addMethodNotAllowedRoutes()
        return Application(router: router)
    }

    /// A closed body's undeclared fields are refused, named in snake_case and in order, before anything
    /// else about the body; a declared one decodes, from one parse of the body.
    @Test func aClosedBodyRefusesUndeclaredFieldsFirst() async throws {
        let created = try await Self.makeApp().test(.router) { client in
            try await client.execute(
                uri: "/closed-items", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"a","item_count":2}"#))
        }
        #expect(created.status == .created)
        #expect(String(buffer: created.body).contains(#""name":"a 2""#))
        for (body, fields) in [
            (#"{"name":"a","item_count":2,"colour":"red","amount":1}"#, ["amount", "colour"]),
            (#"{"colour":"red"}"#, ["colour"]),  // the unknown field first, though both known ones are missing
            (#"{"name":"a"}"#, ["item_count"]),
            (#"{"name":"a","item_count":"2"}"#, ["item_count"]),
        ] {
            let error = try await Self.expectError(
                .post, "/closed-items", headers: [.contentType: "application/json"], body: body, status: .badRequest, code: .validationFailed)
            #expect(error.error.details?.map(\.field) == fields, "\(body)")
        }
        let notAnObject = try await Self.expectError(
            .post, "/closed-items", headers: [.contentType: "application/json"], body: "[1]", status: .badRequest, code: .badRequest)
        #expect(notAnObject.error.message.isEmpty == false)
    }

    static func errorBody(_ response: TestResponse) throws -> ErrorBody {
        try ContractJSON.makeDecoder().decode(ErrorBody.self, from: response.body)
    }

    /// Sends one request and checks the error it answers: status, code, request id in header and body.
    static func expectError(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil,
        status: HTTPResponse.Status, code: AppError.Code, app: some ApplicationProtocol = makeApp()
    ) async throws -> ErrorBody {
        let response = try await app.test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        }
        #expect(response.status == status)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        let error = try errorBody(response)
        #expect(error.error.code == code)
        let requestID = try #require(response.headers[.requestID])
        #expect(error.error.requestId == requestID)
        return error
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func aValidBodyDecodesAndEncodesInTheContractsJSON() async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: "/items", method: .post, headers: Self.json, body: ByteBuffer(string: #"{"name":"a","count":1,"kind":"small"}"#)) {
                #expect($0.status == .created)
                #expect(String(buffer: $0.body) == #"{"name":"a","created_at":"2026-11-18T11:06:40.123Z"}"#)  // keys as the type declares them
            }
        }
    }

    @Test func malformedJSONIsABadRequest() async throws {
        let error = try await Self.expectError(.post, "/items", headers: Self.json, body: "{not json", status: .badRequest, code: .badRequest)
        #expect(error.error.details == nil)
    }

    @Test func aWrongTypeNamesTheField() async throws {
        let error = try await Self.expectError(
            .post, "/items", headers: Self.json, body: #"{"name":"a","count":"many","kind":"small"}"#, status: .badRequest, code: .validationFailed)
        #expect(error.error.details == [FieldError(field: "count", message: "must be an integer")])
    }

    @Test func aMissingFieldNamesTheField() async throws {
        let error = try await Self.expectError(
            .post, "/items", headers: Self.json, body: #"{"count":1,"kind":"small"}"#, status: .badRequest, code: .validationFailed)
        #expect(error.error.details == [FieldError(field: "name", message: "is required")])
    }

    @Test func anUnknownEnumValueNamesTheField() async throws {
        let error = try await Self.expectError(
            .post, "/items", headers: Self.json, body: #"{"name":"a","count":1,"kind":"huge"}"#, status: .badRequest, code: .validationFailed)
        #expect(error.error.details?.map(\.field) == ["kind"])
    }

    @Test func aBodyThatIsNotAnObjectIsABadRequest() async throws {
        _ = try await Self.expectError(.post, "/items", headers: Self.json, body: "[1,2]", status: .badRequest, code: .badRequest)
    }

    @Test func aWrongContentTypeIs415() async throws {
        _ = try await Self.expectError(
            .post, "/items", headers: [.contentType: "text/plain"], body: "name=a", status: .unsupportedMediaType, code: .unsupportedMediaType)
        _ = try await Self.expectError(.post, "/items", body: "{}", status: .unsupportedMediaType, code: .unsupportedMediaType)
    }

    @Test func aBodyOverOneMebibyteIs413() async throws {
        let big = #"{"name":""# + String(repeating: "x", count: 1 << 20) + #"","count":1,"kind":"small"}"#
        _ = try await Self.expectError(.post, "/items", headers: Self.json, body: big, status: .contentTooLarge, code: .payloadTooLarge)
    }

    @Test func anUnknownRouteIs404() async throws {
        _ = try await Self.expectError(.get, "/nothing/here", status: .notFound, code: .notFound)
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: "/items", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                #expect((try? Self.errorBody(response))?.error.code == .methodNotAllowed)
            }
            try await client.execute(uri: "/items/42", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
            }
        }
    }

    /// Methods no route takes (`OPTIONS`, `TRACE`, the draft's `QUERY`) on a known path: 405 with
    /// `Allow`, as for the REST ones; on an unknown path still 404.
    @Test(arguments: ["OPTIONS", "TRACE", "QUERY"])
    func anUndeclaredMethodOnAKnownPathIs405(method: String) async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: "/items", method: HTTPRequest.Method(method)!) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/nothing/here", method: HTTPRequest.Method(method)!) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func anAppErrorKeepsItsMessage() async throws {
        let error = try await Self.expectError(.get, "/items/42", status: .notFound, code: .notFound)
        #expect(error.error.message == "Item 42 not found")
    }

    @Test func aHummingbirdErrorKeepsItsHeaders() async throws {
        let response = try await Self.makeApp().test(.router) { try await $0.execute(uri: "/busy", method: .get) }
        #expect(response.status == .tooManyRequests)
        #expect(response.headers[.retryAfter] == "9")
        #expect(try Self.errorBody(response).error.code == .rateLimited)
    }

    @Test func anUnexpectedErrorIs500AndRevealsNothing() async throws {
        let error = try await Self.expectError(.get, "/boom", status: .internalServerError, code: .internal)
        #expect(error.error.message == "Internal server error")
    }

    @Test func readinessFailureIs503() async throws {
        let error = try await Self.expectError(.get, "/readyz", status: .serviceUnavailable, code: .unavailable, app: Self.makeApp(ready: false))
        #expect(!error.error.message.contains("hunter2"))
    }

    @Test func healthAndReadinessAnswerWhenAllIsWell() async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func rateLimitedAndUnavailableErrorsCarryRetryAfter() {
        #expect(AppError.rateLimited(retryAfterSeconds: 0).headers[.retryAfter] == "1")
        #expect(AppError.unavailable(retryAfterSeconds: 7).headers[.retryAfter] == "7")
        let response = ErrorResponse.response(for: .rateLimited(retryAfterSeconds: 3), requestID: "r1")
        #expect(response.status == .tooManyRequests)
        #expect(response.headers[.retryAfter] == "3")
    }
}

@Suite struct RequestIDTests {
    static func requestID(sending value: String?) async throws -> (header: String?, body: String?) {
        let response = try await ErrorResponseTests.makeApp().test(.router) { client in
            let headers: HTTPFields = value.map { [.requestID: $0] } ?? [:]
            return try await client.execute(uri: "/missing", method: .get, headers: headers)
        }
        return (response.headers[.requestID], try ErrorResponseTests.errorBody(response).error.requestId)
    }

    @Test func aSaneRequestIDIsEchoed() async throws {
        let (header, body) = try await Self.requestID(sending: "trace-4f2a_9")
        #expect(header == "trace-4f2a_9")
        #expect(body == "trace-4f2a_9")
    }

    @Test(arguments: [String(repeating: "a", count: 129), "has space", "tab\there", "ünïcode", ""])
    func anInsaneRequestIDIsReplaced(value: String) async throws {
        let (header, body) = try await Self.requestID(sending: value)
        let generated = try #require(header)
        #expect(generated != value)
        #expect(UUID(uuidString: generated) != nil)
        #expect(body == generated)
    }

    @Test func aMissingRequestIDIsGeneratedFreshEachTime() async throws {
        let first = try await Self.requestID(sending: nil).header
        let second = try await Self.requestID(sending: nil).header
        #expect(first != nil && first != second)
    }

    /// Generated ids are time-ordered (version 7), so the collector's index of request ids grows at its end.
    @Test func aGeneratedRequestIDIsATimeOrderedUUID() async throws {
        let before = UUID.version7().lowercasedString
        let generated = try #require(try await Self.requestID(sending: nil).header)
        #expect(UUID(uuidString: generated) != nil)
        #expect(generated[generated.index(generated.startIndex, offsetBy: 14)] == "7")  // the version digit
        #expect(String(generated.prefix(13)) >= String(before.prefix(13)))  // its millisecond, not earlier
    }

    @Test func theLongestSaneIDIsKept() {
        let longest = String(repeating: "z", count: 128)
        #expect(ClientChosenID.sanitized(longest) == longest)
    }
}

@Suite struct RequestLoggingTests {
    @Test func everyLogLineOfARequestCarriesItsRequestID() async throws {
        let sink = LogSink.capturing()
        let router = ServiceRouter.make(context: BasicServiceRequestContext.self, metrics: ServiceMetrics(), readiness: { 1 })
        router.get("/work") { _, context -> Response in
            context.logger.info("Doing the work")
            throw ErrorResponseTests.SecretFailure()
        }
        let app = Application(router: router, logger: .service("test", level: .info, format: .json, sink: sink))
        try await app.test(.router) { client in
            try await client.execute(uri: "/work", method: .get, headers: [.requestID: "req-77"]) { #expect($0.status == .internalServerError) }
        }
        let lines = sink.lines.filter { $0.contains("Doing the work") || $0.contains("Unhandled error") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains(#""request_id":"req-77""#) })
    }

    @Test func onlyTheAuthenticatorDecidesWWWAuthenticate() {
        // A login failure is a 401 too, but it is no Bearer challenge.
        let response = ErrorResponse.response(
            for: AppError(.authenticationFailed, "Invalid credentials"), requestID: "r")
        #expect(response.status == .unauthorized)
        #expect(response.headers[.wwwAuthenticate] == nil)
    }
}
