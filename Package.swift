// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-waku",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Waku", targets: ["Waku"]),
        .library(name: "WakuMessaging", targets: ["WakuMessaging"]),
        .library(name: "WakuTesting", targets: ["WakuTesting"]),
        .library(name: "WakuSQLite", targets: ["WakuSQLite"]),
        .library(name: "WakuPostgres", targets: ["WakuPostgres"]),
        .library(name: "WakuHummingbird", targets: ["WakuHummingbird"]),
        .executable(name: "waku-demo", targets: ["WakuDemo"]),
        .executable(name: "waku-bench", targets: ["WakuBench"]),
        .executable(name: "waku-worker", targets: ["WakuWorker"]),
        .executable(name: "waku-admin", targets: ["WakuAdmin"]),
        .executable(name: "waku-http-example", targets: ["WakuHTTPExample"]),
        .executable(name: "waku-getting-started", targets: ["WakuGettingStarted"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        // Durable stores, each in its own target so the core never builds a database driver.
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        // Already required by sqlite-nio; WakuSQLite names it for its own blocking thread pool.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        // HTTP integration: WakuHummingbird, its example and its tests.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        // Benchmark-only peers and tools; the libraries never build them.
        .package(url: "https://github.com/Swinject/Swinject.git", exact: "2.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // Core: modules, dependency injection, validation and application lifecycle.
        .target(
            name: "Waku",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // CQRS message bus: contracts, registry, pipeline, context.
        .target(
            name: "WakuMessaging",
            dependencies: [
                "Waku",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        // Durable delivery on embedded SQLite: the zero-setup default.
        .target(
            name: "WakuSQLite",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Durable delivery on PostgreSQL, for several processes sharing one queue.
        .target(
            name: "WakuPostgres",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Hummingbird 2 integration: one request scope per HTTP request.
        .target(
            name: "WakuHummingbird",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test helpers shipped as their own product so apps do not link them in production.
        .target(
            name: "WakuTesting",
            dependencies: ["Waku", "WakuMessaging"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuDemo",
            dependencies: [
                "Waku", "WakuMessaging", "WakuSQLite", "WakuPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Examples/WakuDemo",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuWorker",
            dependencies: [
                "Waku", "WakuMessaging", "WakuSQLite", "WakuPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            path: "Examples/WakuWorker",
            swiftSettings: strict
        ),
        // Operator tools for durable endpoints: status, leases, dead letters (list, show, replay, purge).
        .executableTarget(
            name: "WakuAdmin",
            dependencies: [
                "Waku", "WakuMessaging", "WakuSQLite", "WakuPostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/WakuAdmin",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuHTTPExample",
            dependencies: [
                "Waku", "WakuMessaging", "WakuHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/WakuHTTPExample",
            swiftSettings: strict
        ),
        // The Getting Started article's program; the core tests run it as a child process.
        .executableTarget(
            name: "WakuGettingStarted",
            dependencies: ["Waku"],
            path: "Examples/WakuGettingStarted",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuBench",
            dependencies: [
                "Waku", "WakuMessaging", "WakuSQLite", "WakuPostgres",
                .product(name: "Swinject", package: "Swinject"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                // Bulk pre-fill of the durable stores for the claim-depth scenarios.
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/WakuBench",
            swiftSettings: strict
        ),
        .testTarget(
            name: "WakuTests",
            dependencies: ["Waku", "WakuTesting", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WakuMessagingTests",
            dependencies: [
                "Waku", "WakuMessaging", "WakuTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WakuDurableTests",
            dependencies: [
                "Waku", "WakuMessaging", "WakuTesting", "WakuSQLite", "WakuPostgres",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WakuRoutingTests",
            dependencies: [
                "Waku", "WakuMessaging", "WakuTesting",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WakuHummingbirdTests",
            dependencies: [
                "Waku", "WakuMessaging", "WakuHummingbird", "WakuTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)

// Documentation: `scripts/docs` sets WAKU_DOCS=1 so SwiftPM resolves swift-docc-plugin and
// `swift package generate-documentation` exists. Apps that depend on swift-waku never set it,
// so they never resolve or build the plugin.
if Context.environment["WAKU_DOCS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0")
    )
}
