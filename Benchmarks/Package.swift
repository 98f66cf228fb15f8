// swift-tools-version:6.1
import PackageDescription

// The benchmark is a package of its own so that apps depending on swift-waku never resolve its
// peers (Swinject, HdrHistogram). It uses swift-waku from this checkout, with both stores.
let package = Package(
    name: "waku-benchmarks",
    // macOS 15: the floor scenarios use the standard library's `Atomic` (Synchronization).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "waku-bench", targets: ["WakuBench"]),
        // Preloaded into `waku-bench --loop` by scripts/check-calls to count allocations, retains
        // and releases per operation; nothing links it.
        .library(name: "CallCounter", type: .dynamic, targets: ["CallCounter"]),
    ],
    dependencies: [
        .package(name: "swift-waku", path: "..", traits: ["SQLite", "Postgres"]),
        .package(url: "https://github.com/Swinject/Swinject.git", exact: "2.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Bulk pre-fill of the durable stores for the claim-depth scenarios.
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
    ],
    targets: [
        .target(name: "CallCounter", path: "CallCounter"),
        .executableTarget(
            name: "WakuBench",
            dependencies: [
                .product(name: "Waku", package: "swift-waku"),
                .product(name: "WakuMessaging", package: "swift-waku"),
                .product(name: "WakuSQLite", package: "swift-waku"),
                .product(name: "WakuPostgres", package: "swift-waku"),
                .product(name: "Swinject", package: "Swinject"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "WakuBench",
            swiftSettings: [
                .swiftLanguageMode(.v6),
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
    ]
)
