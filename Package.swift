// swift-tools-version:6.1
import PackageDescription

/// Settings every target of ours shares (with Swift 6 language mode): existentials spelled `any`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A generated client of one service (`Clients/<name>/Generated`, written by `make generate-client`): the
/// generator's code, in Swift 6 language mode without our upcoming features.
func generatedClient(_ name: String) -> Target {
    .target(name: name, dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")], path: "Clients/\(name)")
}

let package = Package(
    name: "saas-backend",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "auth-service", targets: ["auth-service"]),
        .executable(name: "blog-service", targets: ["blog-service"]),
        .executable(name: "observ-collector", targets: ["observ-collector"]),
        /// The typed Swift client of the three services' APIs, for other Swift services.
        .library(name: "SaaSClient", targets: ["SaaSClient", "AuthClient", "BlogClient", "CollectorClient"]),
    ],
    dependencies: [
        // Hummingbird's swift-configuration trait is off: ServiceKit reads the settings through swift-configuration
        // itself, under the names the services have always had (HOST, PORT, …; Hummingbird's would be HTTP_HOST, …).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // Settings from command-line options, environment variables and a directory of files, secrets redacted.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["CommandLineArguments"]),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // The typed client: the runtime its generated code needs, and its transport over AsyncHTTPClient.
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        // Tests only: property-based inputs for the token parser and the ingest decoder (no dependencies of its own).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // MARK: Shared libraries

        .target(
            name: "ServiceKit",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Shared/ServiceKit",
            // The parts of the three OpenAPI documents they share.
            resources: [.embedInCode("openapi-common.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TokenVerification",
            dependencies: [
                "ServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/TokenVerification",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DatabaseKit",
            dependencies: [
                "ServiceKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/DatabaseKit",
            swiftSettings: swiftSettings
        ),
        /// Debian's libargon2 (libargon2-dev, installed by scripts/install-deps.sh): Argon2id password hashes.
        .systemLibrary(
            name: "CArgon2",
            path: "Services/AuthService/CArgon2",
            pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"])]
        ),

        // MARK: Services (a library each, plus a thin executable)

        .target(
            name: "AuthService",
            dependencies: [
                "ServiceKit", "TokenVerification", "DatabaseKit", "CArgon2",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Services/AuthService/App",
            resources: [.embedInCode("openapi.json")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "auth-service",
            dependencies: ["AuthService", "ServiceKit", .product(name: "Logging", package: "swift-log")],
            path: "Services/AuthService/Main",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BlogService",
            dependencies: [
                "ServiceKit", "TokenVerification", "DatabaseKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Services/BlogService/App",
            resources: [.embedInCode("openapi.json")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "blog-service",
            dependencies: ["BlogService", "ServiceKit"],
            path: "Services/BlogService/Main",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ObservCollector",
            dependencies: [
                "ServiceKit", "TokenVerification", "DatabaseKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Services/ObservCollector/App",
            // Its OpenAPI document and the dashboard page's files, in the binary (an image carries nothing else).
            resources: [
                .embedInCode("openapi.json"),
                .embedInCode("Dashboard/dashboard.html"), .embedInCode("Dashboard/dashboard.js"), .embedInCode("Dashboard/dashboard.css"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "observ-collector",
            dependencies: ["ObservCollector", "ServiceKit"],
            path: "Services/ObservCollector/Main",
            swiftSettings: swiftSettings
        ),

        // MARK: The typed client (generated from the OpenAPI documents by `make generate-client`)

        generatedClient("AuthClient"), generatedClient("BlogClient"), generatedClient("CollectorClient"),
        /// The three clients and what a caller needs with them: a transport over AsyncHTTPClient and a
        /// middleware that adds the bearer token.
        .target(
            name: "SaaSClient",
            dependencies: [
                "AuthClient", "BlogClient", "CollectorClient",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Clients/SaaSClient",
            swiftSettings: swiftSettings
        ),
        /// Writes the three OpenAPI documents as served, for `make generate-client`.
        .executableTarget(
            name: "openapi-documents",
            dependencies: ["AuthService", "BlogService", "ObservCollector"],
            path: "Tools/OpenAPIDocuments",
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks (`make bench`)

        .executableTarget(
            name: "micro-benchmarks",
            dependencies: [
                "AuthService", "ObservCollector", "ServiceKit", "TokenVerification", "DatabaseKit",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/Micro",
            swiftSettings: swiftSettings
        ),

        /// The hello-world server every load scenario of `make bench` is compared with.
        .executableTarget(
            name: "bench-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/Baseline",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests

        /// What the services' tests share: request helpers, tokens and a fake auth server, OpenAPI checks,
        /// the stores to run a contract suite on (SQLite, and the throwaway PostgreSQL of `make test`).
        .target(
            name: "ServiceTestSupport",
            dependencies: [
                "TokenVerification", "ServiceKit", "DatabaseKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/ServiceTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DatabaseKitTests",
            dependencies: [
                "DatabaseKit", "ServiceKit", "ServiceTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit", "ServiceTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TokenVerificationTests",
            dependencies: [
                "TokenVerification", "ServiceTestSupport",
                "ServiceKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceExecutableTests",
            dependencies: [
                "auth-service", "blog-service", "observ-collector", "ServiceTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthServiceTests",
            dependencies: [
                "AuthService", "TokenVerification", "ServiceKit", "ServiceTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "AuthService", "BlogService", "ObservCollector", "ServiceKit", "TokenVerification", "ServiceTestSupport", "SaaSClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BlogServiceTests",
            dependencies: [
                "BlogService", "TokenVerification", "ServiceTestSupport", "ServiceKit", "DatabaseKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ObservCollectorTests",
            dependencies: [
                "ObservCollector", "TokenVerification", "ServiceTestSupport", "ServiceKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
