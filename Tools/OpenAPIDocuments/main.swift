import AuthService
import BlogService
import Foundation
import ObservCollector

// `openapi-documents <folder>`: writes the three services' OpenAPI documents, as they serve them, to
// `<folder>/<service>.json` (for scripts/generate-client.sh, which generates the typed client from them).
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: openapi-documents <folder>\n".utf8))
    exit(64)
}
let folder = URL(fileURLWithPath: CommandLine.arguments[1], isDirectory: true)
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
for (name, document) in [
    ("auth-service", AuthOpenAPIDocument.assembled), ("blog-service", BlogOpenAPIDocument.assembled),
    ("observ-collector", CollectorOpenAPIDocument.assembled),
] {
    try document.write(to: folder.appending(path: "\(name).json"))
}
