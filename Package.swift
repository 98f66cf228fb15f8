// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-waku",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Waku", targets: ["Waku"]),
        .library(name: "WakuMessaging", targets: ["WakuMessaging"]),
        .library(name: "WakuTesting", targets: ["WakuTesting"]),
        .executable(name: "waku-demo", targets: ["WakuDemo"]),
        .executable(name: "waku-bench", targets: ["WakuBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        // Benchmark-only peers and tools; the libraries never build them.
        .package(url: "https://github.com/Swinject/Swinject.git", exact: "2.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
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
            dependencies: ["Waku", "WakuMessaging", .product(name: "Logging", package: "swift-log")],
            path: "Examples/WakuDemo",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WakuBench",
            dependencies: [
                "Waku", "WakuMessaging",
                .product(name: "Swinject", package: "Swinject"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
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
            dependencies: ["Waku", "WakuMessaging", "WakuTesting"],
            swiftSettings: strict
        ),
    ]
)
