// swift-tools-version:6.1
import PackageDescription

/// Builds swift-openapi-generator's command for `make generate-client` (scripts/generate-client.sh), apart
/// from the main package so that neither `make test` nor CI builds it.
let package = Package(
    name: "client-generator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3"),
    ]
)
