import Foundation
import Testing

/// Real data from `../shared/data` beside the package: skipped with a message when absent, unless
/// `DLFS_REQUIRE_DATA=1`, where absence fails the test.
enum RealData {
    /// The package root: this file is `<root>/Tests/DLFSCommandTests/TestSupport.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) throws -> String {
        let url = packageRoot.appendingPathComponent("../shared/data/\(relative)").standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) { return url.path }
        if ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1" {
            Issue.record("\(url.path) is missing and DLFS_REQUIRE_DATA=1")
            throw CancellationError()
        }
        try Test.cancel("skipped: \(url.path) is absent (set DLFS_REQUIRE_DATA=1 to require it)")
    }
}

/// The `dlfs` executable SwiftPM built next to this test bundle.
func dlfsExecutable() throws -> URL {
    var directories: [URL] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    directories.append(Bundle.main.bundleURL)
    for directory in directories {
        let candidate = directory.appendingPathComponent("dlfs")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    Issue.record("no dlfs executable in \(directories.map(\.path))")
    throw CancellationError()
}

/// Runs `dlfs arguments…`, returning its exit status, stdout and stderr.
func runDLFS(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = try dlfsExecutable()
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
}

/// A fresh directory under the system temporary directory.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "dlfs-command-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}
