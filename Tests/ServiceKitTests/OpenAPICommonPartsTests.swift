import Foundation
import Testing

@testable import ServiceKit

/// `openapi-common.json`, the parts the three services' documents share, against the code it describes.
@Suite struct OpenAPICommonPartsTests {
    @Test func theErrorCodesAreTheContractsCodes() throws {
        let common = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.commonJSON.utf8)) as? [String: Any])
        let components = try #require(common["components"] as? [String: [String: Any]])
        let error = try #require(components["schemas"]?["Error"] as? [String: Any])
        let code = (((error["properties"] as? [String: Any])?["error"] as? [String: Any])?["properties"] as? [String: Any])?["code"] as? [String: Any]
        #expect(code?["enum"] as? [String] == AppError.Code.allCases.map(\.rawValue))
    }

    @Test func assemblingAddsTheCommonPartsAndWhatEveryOperationAndResponseHas() throws {
        let own = #"{"openapi": "3.1.0", "paths": {"/v1/things": {"get": {"responses": {"200": {"description": "ok"}}}}}, "components": {"responses": {"BadRequest": {"description": "mine"}}}}"#
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.assemble(own)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        #expect(Set(paths.keys) == ["/v1/things", "/healthz", "/readyz", "/metrics", "/openapi.json"])
        let responses = try #require(paths["/v1/things"]?["get"]?["responses"] as? [String: Any])
        #expect((responses["500"] as? [String: String])?["$ref"] == "#/components/responses/InternalError")
        #expect((responses["503"] as? [String: String])?["$ref"] == "#/components/responses/Unavailable")
        let parameters = try #require(paths["/v1/things"]?["get"]?["parameters"] as? [[String: String]])
        #expect(parameters == [["$ref": "#/components/parameters/RequestID"]])
        let ok = try #require(responses["200"] as? [String: Any])
        #expect(((ok["headers"] as? [String: Any])?["X-Request-ID"] as? [String: String])?["$ref"] == "#/components/headers/RequestID")
        let health = try #require((paths["/healthz"]?["get"]?["responses"] as? [String: [String: Any]])?["200"])
        #expect((health["headers"] as? [String: Any])?["X-Request-ID"] != nil, "the common routes' responses too")
        let badRequest = try #require((document["components"] as? [String: [String: Any]])?["responses"]?["BadRequest"] as? [String: Any])
        #expect((badRequest["headers"] as? [String: Any])?["X-Request-ID"] != nil, "and the responses components")
        let components = try #require(document["components"] as? [String: [String: Any]])
        #expect((components["responses"]?["BadRequest"] as? [String: Any])?["description"] as? String == "mine", "the service's own part wins")
        #expect(components["parameters"]?["cursor"] != nil && components["securitySchemes"]?["bearerAuth"] != nil)
    }
}
