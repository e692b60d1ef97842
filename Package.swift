// swift-tools-version: 6.1
//
// Ciro node: a peer-to-peer market for verifiable ML inference.
// The layer map (dependencies point down only) is in README.md; each target below is one layer piece.
import PackageDescription

let package = Package(
    name: "ciro",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ciro", targets: ["ciro"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),

        // Thin wrappers: the only code that touches the C libraries.
        .target(name: "Sodium", dependencies: ["CSodium"]),
        .target(name: "ZMQ", dependencies: ["CZMQ"]),
        .target(name: "LMDB", dependencies: ["CLMDB"]),

        // Identity and wire messages.
        .target(name: "Identity", dependencies: ["Sodium"]),
        .target(
            name: "Wire",
            dependencies: ["Sodium", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),

        // Proof system: no networking below this line.
        // CProofKernels: BLAKE2b in AVX-512 lanes for Merkle trees, chosen at run time (docs/PROOF_CORE.md).
        .target(name: "CProofKernels"),
        .target(name: "ProofCore", dependencies: ["Sodium", "CProofKernels"]),
        .target(
            name: "Models",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ONNX/onnx.proto"]
        ),
        .target(name: "ZKML", dependencies: ["ProofCore", "Models", "Sodium"]),

        // Storage and network.
        .target(name: "Ledger", dependencies: ["LMDB", "Wire", "Identity", "Sodium"]),
        .target(
            name: "Gossip",
            dependencies: [
                "ZMQ", "Wire", "Identity", "Sodium",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Market and node.
        .target(
            name: "Market",
            dependencies: [
                "Gossip", "Ledger", "ZKML", "Models", "Wire", "Identity", "Sodium",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Node",
            dependencies: [
                "Market", "Gossip", "Ledger", "LMDB", "ZKML", "Models", "Wire", "Identity", "ZMQ", "Sodium",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmarks (`ciro bench <suite>`) and the command-line tool.
        .target(
            name: "Bench",
            dependencies: ["ProofCore", "Models", "ZKML", "Ledger", "LMDB", "Gossip", "Market", "Node", "Sodium", "Identity", "Wire", "ZMQ", "TestSupport"]
        ),
        .target(
            name: "CiroCLI",
            dependencies: [
                "Node", "Market", "Ledger", "Gossip", "ZKML", "Models", "ProofCore", "Identity", "Sodium", "Wire", "Bench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "ciro", dependencies: ["CiroCLI"]),

        // Shared by the test targets and the benchmarks: temporary folders, a seeded generator.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        // Tests, one target per module.
        .testTarget(name: "SodiumTests", dependencies: ["Sodium"]),
        .testTarget(name: "ZMQTests", dependencies: ["ZMQ", "Sodium"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Sodium"]),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB", "TestSupport"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "Sodium", "TestSupport"]),
        .testTarget(name: "ProofCoreTests", dependencies: ["ProofCore", "CProofKernels", "TestSupport", "Sodium"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZKMLTests", dependencies: ["ZKML", "Models", "ProofCore", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "LMDB", "Wire", "Identity", "Sodium", "TestSupport"]),
        .testTarget(name: "GossipTests", dependencies: ["Gossip", "Wire", "Identity", "Sodium", "ZMQ"]),
        .testTarget(name: "MarketTests", dependencies: ["Market", "Node", "ZKML", "Wire", "Identity", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["CiroCLI", "TestSupport"]),
    ]
)

// One set of strict settings for every target (Swift 6 mode, strict concurrency, explicit existentials).
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
