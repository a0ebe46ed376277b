// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "corpusd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "corpusd", targets: ["Daemon"]),
        .executable(name: "corpusctl", targets: ["ctl"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .executable(name: "neardup-lab", targets: ["NearDupLabTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // YAML for the human-edited files (config, taxonomy): small C core, quick to build, errors with line/column.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // Daemon metrics (counters, histograms) in Prometheus text format, in a registry of the daemon's own
        // (swift-metrics and swift-atomics come with it). Cost: `swift build --scratch-path /tmp/x --target
        // Prometheus` took 48 s wall, 9 s CPU (shared 2 cores).
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // glibc's <malloc.h> (mallopt), part of libc: nothing to link.
        .systemLibrary(name: "CMalloc"),
        // The arena the HTML reader's libxml2 trees are made in (libxml2's memory functions, per thread).
        .target(name: "CXMLArena", dependencies: ["CXML2"]),
        // Byte scans the C compiler turns into vector code.
        .target(name: "CBytes"),
        .target(
            name: "Pipeline",
            dependencies: [
                "CSystemd",
                "CCrypto",
                "CXML2",
                "CZlib",
                "CMalloc",
                "CXMLArena",
                "CBytes",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The default taxonomy ships inside the binary; `corpusd --print-default-taxonomy` writes it out.
            resources: [.embedInCode("Resources/taxonomy.yaml")]
        ),
        .executableTarget(
            name: "Daemon",
            dependencies: [
                "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ctl",
            dependencies: [
                "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The labelled near-duplicate set and its evaluation (tests, `neardup-lab`); not shipped.
        .target(
            name: "NearDupLab",
            dependencies: ["Pipeline"]
        ),
        .executableTarget(
            name: "NearDupLabTool",
            dependencies: ["NearDupLab", "Pipeline"]
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "NearDupLab", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
