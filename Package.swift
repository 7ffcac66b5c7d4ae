// swift-tools-version:6.1
import Foundation
import PackageDescription

/// Kernels are compiled for the CPU that builds them when DLFS is the package being built (`swift run`,
/// `swift test` here): Swift's SIMD `addingProduct` only becomes a fused multiply-add when the target CPU
/// has FMA; on the x86-64 baseline it is a call to `fmaf`, at a third of the speed.
/// SwiftPM refuses unsafe flags in a versioned dependency, so a checkout under `checkouts/` (where SwiftPM
/// and Xcode put dependencies) builds portable code, and the dependent package passes
/// `-Xswiftc -target-cpu -Xswiftc native` itself (see the README). `DLFS_PORTABLE=1` also turns them off,
/// for a binary that must run on other machines.
let isDependency = Context.packageDirectory.split(separator: "/").contains("checkouts")
let portable = isDependency || Context.environment["DLFS_PORTABLE"] == "1"
let nativeCPU: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"])]
/// `AVX512` tells the kernels they may use AVX-512's 32 registers (wider GEMM micro-tiles), when they are
/// compiled for this machine's CPU and it has them. Linux only: elsewhere the kernels keep the AVX2 shape.
let cpuFlags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
let avx512: [SwiftSetting] = !portable && cpuFlags.contains("avx512f") ? [.define("AVX512")] : []
/// The numeric libraries are optimised in debug builds too: unoptimised SIMD code runs some hundred times
/// slower, which would turn the real-data tests of `swift test` from seconds into many minutes.
let computeTarget: [SwiftSetting] = nativeCPU + (portable ? [] : [.unsafeFlags(["-O"], .when(configuration: .debug))])

let package = Package(
    name: "DLFS",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DLFS", targets: ["DLFS"]),
        // Tensors and kernels alone: no dependency beyond swift-numerics, so no cryptography to build.
        .library(name: "DLFSCore", targets: ["DLFSCore"]),
        .executable(name: "dlfs", targets: ["DLFSCommand"]),
    ],
    traits: [
        .trait(name: "OpenBLAS", description: "Send GEMM through OpenBLAS's cblas (Linux, libopenblas-dev)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // `dlfs serve` only: the HTTP server of the local web page. The library products do not depend on it.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // `swift package generate-documentation`: the DocC catalogue Sources/DLFS/DLFS.docc and the API reference
        // of the library modules (see .ci/run for the command).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CPrefetch", path: "Sources/CPrefetch"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(
            name: "DLFSCore",
            dependencies: [
                .product(name: "Numerics", package: "swift-numerics"),
                "CPrefetch",
                .target(name: "COpenBLAS", condition: .when(platforms: [.linux], traits: ["OpenBLAS"])),
            ],
            swiftSettings: computeTarget + avx512),
        .target(name: "DLFSNN", dependencies: ["DLFSCore"], swiftSettings: computeTarget),
        .target(
            name: "DLFSData",
            dependencies: ["DLFSCore", "CZlib", "CCurl", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: computeTarget),
        .target(name: "DLFSIO", dependencies: ["DLFSCore", "DLFSNN"], swiftSettings: computeTarget),
        .target(name: "DLFSPlot", dependencies: ["DLFSCore"]),
        .target(name: "DLFS", dependencies: ["DLFSCore", "DLFSNN", "DLFSData", "DLFSIO", "DLFSPlot"]),
        .target(
            name: "DLFSServe",
            dependencies: ["DLFS", .product(name: "Hummingbird", package: "hummingbird")],
            resources: [.copy("Page")]),
        .executableTarget(
            name: "DLFSCommand",
            dependencies: ["DLFS", "DLFSServe", "CMalloc", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: nativeCPU),
        // Small programs on the library alone, as a user's package would write them (see Examples/).
        .executableTarget(name: "HandWrittenLoop", dependencies: ["DLFS"], path: "Examples/HandWrittenLoop"),
        .executableTarget(name: "CustomNetwork", dependencies: ["DLFS"], path: "Examples/CustomNetwork"),
        .executableTarget(name: "BookWeights", dependencies: ["DLFS"], path: "Examples/BookWeights"),
        .testTarget(name: "DLFSCoreTests", dependencies: ["DLFSCore"], swiftSettings: nativeCPU),
        .testTarget(name: "DLFSNNTests", dependencies: ["DLFSNN", "DLFSCore", "DLFSData", "DLFSIO"]),
        .testTarget(name: "DLFSDataTests", dependencies: ["DLFSData"]),
        .testTarget(name: "DLFSIOTests", dependencies: ["DLFSIO", "DLFSCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DLFSPlotTests", dependencies: ["DLFSPlot"]),
        .testTarget(
            name: "DLFSServeTests",
            dependencies: ["DLFSServe", "DLFS", .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "DLFSDocumentationTests", dependencies: ["DLFS"]),
        .testTarget(name: "DLFSCommandTests", dependencies: ["DLFSCommand", "DLFSIO", "DLFSData", "CZlib"]),
    ]
)
