import Foundation
import Testing

/// Real data from `../shared/data` beside the package and Fashion-MNIST's Debian package: skipped with a
/// message when absent, unless `DLFS_REQUIRE_DATA=1` (set by CI), where absence fails the test.
enum RealData {
    /// The package root: this file is `<root>/Tests/DLFSCommandTests/CommandTestSupport.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let required = ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1"
    static let mnist = packageRoot.appendingPathComponent("../shared/data/mnist").standardized.path
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// For `.enabled(if:)`: true when the MNIST test set is there, or when it is required (so its absence fails).
    static var mnistTestSetPresent: Bool {
        required || FileManager.default.fileExists(atPath: "\(mnist)/t10k-images-idx3-ubyte.gz")
    }

    /// True when Fashion-MNIST (the Debian package dataset-fashion-mnist) is installed, or when it is required.
    static var fashionMNISTPresent: Bool {
        required || ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
            .allSatisfy { FileManager.default.fileExists(atPath: "\(fashionMNIST)/\($0)") }
    }

    /// Skips the calling test with a message when Fashion-MNIST is absent and not required.
    static func requireFashionMNIST() throws {
        guard fashionMNISTPresent else {
            try Test.cancel("skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        }
    }

    static func path(_ relative: String) throws -> String {
        let url = packageRoot.appendingPathComponent("../shared/data/\(relative)").standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) { return url.path }
        if required {
            Issue.record("\(url.path) is missing and DLFS_REQUIRE_DATA=1")
            throw CancellationError()
        }
        try Test.cancel("skipped: \(url.path) is absent (set DLFS_REQUIRE_DATA=1 to require it)")
    }
}

/// What one run of `dlfs` did.
struct CommandResult {
    let status: Int32
    /// True when the process died of a signal (a trap, or the runner's timeout) rather than exiting.
    let signaled: Bool
    let stdout: String
    let stderr: String
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error: ") } }
}

/// The `dlfs` executable SwiftPM built into the products directory that also holds this test bundle.
let dlfsExecutable: URL? = {
    var directories: [URL] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    var directory = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    for _ in 0..<5 {
        directory = directory.deletingLastPathComponent()
        directories.append(directory)
    }
    return directories.map { $0.appendingPathComponent("dlfs") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Runs `dlfs arguments…` and collects its exit status and output.
func dlfs(_ arguments: String..., environment: [String: String]? = nil) throws -> CommandResult {
    try dlfs(arguments, environment: environment)
}

/// A run still going after `timeout` seconds is terminated (so a hang fails the test instead of blocking it).
/// `wrapper` (e.g. `["/usr/bin/prlimit", "--as=…", "--"]`) runs `dlfs` through another program.
func dlfs(_ arguments: [String], environment: [String: String]? = nil, timeout: Double = 300,
          wrapper: [String] = []) throws -> CommandResult {
    let executable = try #require(dlfsExecutable, "the dlfs executable is not next to the test bundle; run `swift build`")
    let process = Process()
    process.executableURL = wrapper.first.map { URL(fileURLWithPath: $0) } ?? executable
    process.arguments = wrapper.dropFirst() + (wrapper.isEmpty ? [] : [executable.path]) + arguments
    if var environment {
        // Sanitizer settings (CI's leak suppressions) reach the child even with a custom environment.
        for (key, value) in ProcessInfo.processInfo.environment where key.hasSuffix("SAN_OPTIONS") { environment[key] = value }
        process.environment = environment
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    defer { watchdog.cancel() }
    // Read stderr on another thread while stdout is read here, so a full pipe cannot block the child.
    let stderrBox = DataBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { stderrBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderrBox.data, as: UTF8.self))
}

private final class DataBox: @unchecked Sendable { var data = Data() }

/// A fresh directory under the system temporary directory; `cleanUp()` removes it.
struct TemporaryDirectory {
    let url: URL
    var path: String { url.path }
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-command-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { url.appendingPathComponent(name).path }
    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
