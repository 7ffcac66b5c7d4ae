import Foundation
import Testing

/// Runs the built `dlfs` executable (next to the test bundle in the build products directory).
enum CommandRunner {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let mnist = packageRoot.appendingPathComponent("../shared/data/mnist").standardized.path

    /// Real-data tests are disabled with a message when the data is absent, unless DLFS_REQUIRE_DATA=1.
    static var mnistTestSetPresent: Bool {
        ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1"
            || FileManager.default.fileExists(atPath: "\(mnist)/t10k-images-idx3-ubyte.gz")
    }

    static var executable: URL? {
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        for directory in candidates {
            let url = directory.appendingPathComponent("dlfs")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error: ") } }
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let exe = try #require(executable, "the dlfs executable is not next to the test bundle; run `swift build` first")
        let process = Process()
        process.executableURL = exe
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read stderr on another thread while stdout is read here, so a full pipe cannot block the child.
        let stderrBox = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { stderrBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: stderrBox.data, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}
