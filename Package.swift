// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Traits keep the integrations opt-in: an app resolves sqlite-nio, postgres-nio or Hummingbird only
// when it enables the trait that needs them, because SwiftPM leaves a dependency out when every
// use of it is guarded by a disabled trait.
//
// An app that depends on swift-waku gets no trait unless it asks for one. This repository's own
// checkout (a developer, CI) enables SQLite by default, so `swift run waku-demo` works as is;
// `scripts/test` and `scripts/docs` enable every trait. A dependency lives in a `checkouts` folder
// (SwiftPM, Xcode) or a registry download; everything else is this repository's own checkout.
let directory = Context.packageDirectory.split(separator: "/")
let isDependency = directory.dropLast().last == "checkouts" || directory.contains("downloads")
let defaultTraits: Set<String> = isDependency ? [] : ["SQLite"]

let sqlite = TargetDependencyCondition.when(traits: ["SQLite"])
let postgres = TargetDependencyCondition.when(traits: ["Postgres"])
let hummingbird = TargetDependencyCondition.when(traits: ["Hummingbird"])
let openTelemetry = TargetDependencyCondition.when(traits: ["OpenTelemetry"])

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
        .library(name: "WakuDashboard", targets: ["WakuDashboard"]),
        .executable(name: "waku-demo", targets: ["WakuDemo"]),
        .executable(name: "waku-worker", targets: ["WakuWorker"]),
        .executable(name: "waku-admin", targets: ["WakuAdmin"]),
        .executable(name: "waku-http-example", targets: ["WakuHTTPExample"]),
        .executable(name: "waku-getting-started", targets: ["WakuGettingStarted"]),
        .executable(name: "waku-dashboard-example", targets: ["WakuDashboardExample"]),
    ],
    traits: [
        .trait(name: "SQLite", description: "WakuSQLite: durable delivery on embedded SQLite (sqlite-nio)."),
        .trait(name: "Postgres", description: "WakuPostgres: durable delivery on PostgreSQL (postgres-nio)."),
        .trait(name: "Hummingbird", description: "WakuHummingbird and WakuDashboard: request scopes and the operator page on Hummingbird 2."),
        .trait(
            name: "OpenTelemetry",
            description: "waku-http-example exports traces and metrics over OTLP (swift-otel) and serves Prometheus /metrics (swift-prometheus).",
            enabledTraits: ["Hummingbird"]),
        .default(enabledTraits: defaultTraits),
    ],
    dependencies: [
        // 1.16: `LogHandler.log(event:)`, which WakuTesting's `LogCapture` implements.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        // Durable stores and HTTP integrations, each behind its trait (see above).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        // Already required by sqlite-nio; WakuSQLite names it for its own blocking thread pool.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        // The HTTP example's observability, behind the OpenTelemetry trait; OTLP over HTTP only.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        // Already required by Hummingbird; WakuDashboard names header fields with it.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
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
                .product(name: "SQLiteNIO", package: "sqlite-nio", condition: sqlite),
                .product(name: "NIOPosix", package: "swift-nio", condition: sqlite),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Durable delivery on PostgreSQL, for several processes sharing one queue.
        .target(
            name: "WakuPostgres",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Hummingbird 2 integration: one request scope per HTTP request.
        .target(
            name: "WakuHummingbird",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                // Already required by Hummingbird; named for the HTTP/1.0 connection handler.
                .product(name: "HummingbirdCore", package: "hummingbird", condition: hummingbird),
                .product(name: "NIOCore", package: "swift-nio", condition: hummingbird),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: hummingbird),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A web page for operators (endpoints, dead letters, the application), served by Hummingbird.
        .target(
            name: "WakuDashboard",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: hummingbird),
            ],
            swiftSettings: strict
        ),
        // Test helpers shipped as their own product so apps do not link them in production.
        .target(
            name: "WakuTesting",
            dependencies: ["Waku", "WakuMessaging", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuDemo",
            dependencies: [
                "Waku", "WakuMessaging",
                .target(name: "WakuSQLite", condition: sqlite), .target(name: "WakuPostgres", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLiteNIO", package: "sqlite-nio", condition: sqlite),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
            ],
            path: "Examples/WakuDemo",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuWorker",
            dependencies: [
                "Waku", "WakuMessaging",
                .target(name: "WakuSQLite", condition: sqlite), .target(name: "WakuPostgres", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "SQLiteNIO", package: "sqlite-nio", condition: sqlite),
            ],
            path: "Examples/WakuWorker",
            swiftSettings: strict
        ),
        // Operator tools for durable endpoints: status, leases, dead letters (list, show, replay, purge).
        .executableTarget(
            name: "WakuAdmin",
            dependencies: [
                "Waku", "WakuMessaging",
                .target(name: "WakuSQLite", condition: sqlite), .target(name: "WakuPostgres", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/WakuAdmin",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuHTTPExample",
            dependencies: [
                "Waku", "WakuMessaging", .target(name: "WakuHummingbird", condition: hummingbird),
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "OTel", package: "swift-otel", condition: openTelemetry),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Prometheus", package: "swift-prometheus", condition: openTelemetry),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/WakuHTTPExample",
            swiftSettings: strict
        ),
        // The operator dashboard on a small shop whose handlers fail during an outage.
        .executableTarget(
            name: "WakuDashboardExample",
            dependencies: [
                "Waku", "WakuMessaging",
                .target(name: "WakuSQLite", condition: sqlite), .target(name: "WakuDashboard", condition: hummingbird),
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: hummingbird),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/WakuDashboardExample",
            swiftSettings: strict
        ),
        // The Getting Started article's program; the core tests run it as a child process.
        .executableTarget(
            name: "WakuGettingStarted",
            dependencies: ["Waku"],
            path: "Examples/WakuGettingStarted",
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
                "Waku", "WakuMessaging", "WakuTesting",
                .target(name: "WakuSQLite", condition: sqlite), .target(name: "WakuPostgres", condition: postgres),
                .target(name: "WakuDashboard", condition: hummingbird),
                .product(name: "SQLiteNIO", package: "sqlite-nio", condition: sqlite),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "Atomics", package: "swift-atomics"),
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
            name: "WakuDashboardTests",
            dependencies: [
                "Waku", "WakuMessaging", "WakuTesting",
                .target(name: "WakuDashboard", condition: hummingbird), .target(name: "WakuSQLite", condition: sqlite),
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: hummingbird),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: hummingbird),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WakuHummingbirdTests",
            dependencies: [
                "Waku", "WakuMessaging", "WakuTesting", .target(name: "WakuHummingbird", condition: hummingbird),
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: hummingbird),
                .product(name: "HummingbirdCore", package: "hummingbird", condition: hummingbird),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)

// Documentation: in this repository's own checkout, `swift package --enable-all-traits
// generate-documentation` works as usual (scripts/docs runs it for every product). Apps that
// depend on swift-waku never resolve swift-docc-plugin; WAKU_DOCS=1 adds it anywhere.
if !isDependency || Context.environment["WAKU_DOCS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0")
    )
}
