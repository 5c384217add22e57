import Foundation
import ServiceKit

/// The collector's OpenAPI 3.1 document: its own part is `openapi.json` beside this file, embedded in the binary
/// at build time; ServiceKit's `OpenAPIDocument.assemble` adds the parts the services share
/// (`Shared/ServiceKit/openapi-common.json`). Served at `GET /openapi.json`; the typed client
/// (`make generate-client`) is generated from it. Tests hold it to the router (every route documented,
/// every documented route served) and every response of the router tests to its schema.
public enum CollectorOpenAPIDocument {
    /// The service's own part.
    static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)

    /// The whole document, as served.
    public static let assembled: Data = OpenAPIDocument.assemble(json)
}
