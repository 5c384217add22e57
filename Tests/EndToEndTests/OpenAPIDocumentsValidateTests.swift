import AuthService
import BlogService
import Foundation
import ObservCollector
import ServiceTestSupport
import Testing

/// The three services' OpenAPI documents, as served (each service's file with the shared parts), are
/// valid OpenAPI 3.1 by an independent validator: `openapi-spec-validator` from PyPI (installed by
/// `scripts/install-deps.sh`), which checks them against the specification's own schema.
@Suite struct OpenAPIDocumentsValidateTests {
    static let documents: [(name: String, json: Data)] = [
        ("auth-service", AuthOpenAPIDocument.assembled), ("blog-service", BlogOpenAPIDocument.assembled),
        ("observ-collector", CollectorOpenAPIDocument.assembled),
    ]

    /// Writes each document to a file and runs the validator over them: its exit status and output.
    static func validate(_ documents: [(name: String, json: Data)]) async throws -> (status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appending(path: "openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for document in documents {
            let file = folder.appending(path: "\(document.name).json")
            try document.json.write(to: file)
            files.append(file.path)
        }
        let outcome = try await CommandOutcome.of(
            "/usr/bin/env", ["python3", "-m", "openapi_spec_validator", "--schema", "3.1", "--validation-errors", "all"] + files)
        return (outcome.status, outcome.output)
    }

    @Test func theServedDocumentsAreValidOpenAPI31() async throws {
        let (status, output) = try await Self.validate(Self.documents)
        #expect(status == 0, "openapi-spec-validator (scripts/install-deps.sh installs it): \(output)")
        #expect(output.components(separatedBy: ": OK").count - 1 == 3, "\(output)")
    }

    @Test func theValidatorRefusesABrokenDocument() async throws {
        // The blog's document with a schema of a type that does not exist.
        var blog = try #require(try JSONSerialization.jsonObject(with: BlogOpenAPIDocument.assembled) as? [String: Any])
        var components = try #require(blog["components"] as? [String: Any])
        var schemas = try #require(components["schemas"] as? [String: Any])
        schemas["Broken"] = ["type": "strin"]
        components["schemas"] = schemas
        blog["components"] = components
        let (status, output) = try await Self.validate([("blog-broken", try JSONSerialization.data(withJSONObject: blog))])
        #expect(status != 0)
        #expect(output.contains("strin"), "\(output)")
    }
}
