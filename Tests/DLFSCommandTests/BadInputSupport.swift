import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Checks a failed run: a normal exit with status 1 (no trap, no timeout), nothing on stdout, and exactly
/// one line on stderr, `error: <expected>`.
func expectOneErrorLine(_ result: CommandResult, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.signaled, "died of a signal (trap or hang): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.status == 1, "exit status \(result.status)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
    #expect(result.stderr == "error: \(expected)\n", sourceLocation: sourceLocation)
}

/// Checks an argument error that ArgumentParser detects itself: exit status 64 (EX_USAGE) and, as for every
/// other failure, exactly one line `error: <expected>` (DLFSTool.main prints it).
func expectUsageError(_ result: CommandResult, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.signaled, sourceLocation: sourceLocation)
    #expect(result.status == 64, "exit status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n").map(String.init)
    #expect(lines == ["error: \(expected)"], sourceLocation: sourceLocation)
}

/// Broken files for the bad-input matrix, built in a temporary directory.
enum BrokenFile {
    /// A big-endian IDX header of unsigned bytes with these dimensions (any count, unchecked).
    static func idxHeader(_ dimensions: [UInt32], type: UInt8 = 0x08) -> [UInt8] {
        var out: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for d in dimensions { out += [UInt8(d >> 24), UInt8((d >> 16) & 0xff), UInt8((d >> 8) & 0xff), UInt8(d & 0xff)] }
        return out
    }

    /// Two 28x28 MNIST-shaped images (pixel i is i mod 256) and their labels 7 and 2, raw.
    static let images = idxHeader([2, 28, 28]) + (0..<(2 * 28 * 28)).map { UInt8($0 % 256) }
    static let labels = idxHeader([2]) + [7, 2]

    /// A safetensors file with the given JSON header (padded to a multiple of 8) and data.
    static func safetensors(header: String, data: [UInt8] = []) -> [UInt8] {
        var json = Array(header.utf8)
        json += repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    /// A header declaring `length` bytes of JSON, followed by only `{}` .
    static func safetensorsHeaderLength(_ length: UInt64) -> [UInt8] {
        withUnsafeBytes(of: length.littleEndian, Array.init) + Array("{}".utf8)
    }

    /// Writes `bytes` to `path`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A named pipe: opening it for reading would block until a writer comes.
    static func makeFIFO(at path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }

    /// Permission bits do not stop root; rows that rely on them are skipped there.
    static var runningAsRoot: Bool { geteuid() == 0 }
}

/// An MNIST test-split directory holding the two valid files, for rows that then break one of them.
struct DatasetDirectory {
    let directory: TemporaryDirectory
    var path: String { directory.path }
    var imagesPath: String { directory.file("t10k-images-idx3-ubyte") }
    var labelsPath: String { directory.file("t10k-labels-idx1-ubyte") }

    init() throws {
        directory = try TemporaryDirectory()
        try BrokenFile.write(BrokenFile.images, to: imagesPath)
        try BrokenFile.write(BrokenFile.labels, to: labelsPath)
    }

    func cleanUp() { directory.cleanUp() }

    /// `dlfs show --data-dir <this> extra…`, offline.
    func show(_ extra: String...) throws -> CommandResult {
        try dlfs(["show", "--data-dir", path] + extra)
    }
}
