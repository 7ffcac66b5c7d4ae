import DLFSIO
import Foundation
import Testing

/// Real data from `../shared/data` beside the package: skipped with a message when absent, unless
/// `DLFS_REQUIRE_DATA=1`, where absence fails the test.
enum RealData {
    /// The package root: this file is `<root>/Tests/DLFSIOTests/TestSupport.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var isRequired: Bool { ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1" }

    /// Path of `relative` under `../shared/data`, or the test is cancelled (skipped) when it is absent.
    static func path(_ relative: String) throws -> String {
        let url = packageRoot.appendingPathComponent("../shared/data/\(relative)").standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) { return url.path }
        if isRequired {
            Issue.record("\(url.path) is missing and DLFS_REQUIRE_DATA=1")
            throw CancellationError()
        }
        try Test.cancel("skipped: \(url.path) is absent (set DLFS_REQUIRE_DATA=1 to require it)")
    }

    /// Skips (or, under `DLFS_REQUIRE_DATA=1`, fails) when Python cannot `import safetensors, numpy`.
    static func requirePythonSafetensors() throws {
        let result = try? runPython("import safetensors, numpy")
        if result?.status == 0 { return }
        if isRequired {
            Issue.record("python3 with safetensors and numpy is required (DLFS_REQUIRE_DATA=1)")
            throw CancellationError()
        }
        try Test.cancel("skipped: python3 -c 'import safetensors, numpy' fails (pip install numpy safetensors)")
    }
}

/// Runs `python3 -c script`, returning its exit status and standard output.
func runPython(_ script: String, arguments: [String] = []) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
}

/// Path of a checked-in fixture.
func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil), "fixture \(name) missing")
    return url.path
}

/// A fresh directory under the system temporary directory, removed by the caller with `cleanUp`.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "dlfs-io-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` and returns the `WeightFileError` it throws, recording an issue if it throws none.
func weightFileError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch let error as WeightFileError {
        return error.description
    } catch {
        Issue.record("expected a WeightFileError, got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}

/// safetensors bytes with this header (unpadded) and data.
func safetensorsBytes(header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
}

/// The bytes of a checked-in fixture.
func readFixture(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
}
