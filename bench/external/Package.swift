// swift-tools-version:6.1
import PackageDescription

/// DLFS used as a user's package uses it: a path dependency, this target built with plain `-c release` and no
/// flags of its own. It times hot DLFS calls made from here against the same calls made inside DLFS.
/// SwiftPM names a path dependency after its directory: the clone's, whatever it is called.
let dlfs = String(Context.packageDirectory.split(separator: "/").dropLast(2).last ?? "DLFS")

let package = Package(
    name: "DLFSExternalBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "external-bench", dependencies: [.product(name: "DLFS", package: dlfs)]),
    ]
)
