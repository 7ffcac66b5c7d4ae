// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for DLFS's file parsers, kept out of the main package so `swift build` and
/// `swift test` there never see `-sanitize=fuzzer`. Build and run them with `fuzz/run TARGET SECONDS`,
/// which passes `--sanitize fuzzer --sanitize address`; each target defines `LLVMFuzzerTestOneInput`, so
/// it is compiled as a library (`-parse-as-library`) and libFuzzer supplies `main`.
let targets = ["FuzzIDX", "FuzzGzip", "FuzzPickle", "FuzzSafeTensors"]

let package = Package(
    name: "DLFSFuzz",
    dependencies: [.package(name: "DLFS", path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "DLFS", package: "DLFS")],
            path: "Targets/\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
