/// The auth service's own part of its OpenAPI 3.1 document: `openapi.json` beside this file, embedded in the
/// binary at build time (ServiceKit's `OpenAPIDocument.assemble` adds the operational routes and the
/// error body), served at `GET /openapi.json`. A test holds it to the router: every route is documented
/// and every documented route exists.
enum AuthOpenAPIDocument {
    static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
