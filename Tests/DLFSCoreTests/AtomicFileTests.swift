import Foundation
import Testing
@testable import DLFSCore

/// The one writer: never replaces what is not a regular file, keeps permissions, takes names up to 255 bytes.
/// A class, so that each test's scratch directory is removed when the test ends.
final class AtomicFileTests {
    let directory: String = {
        let path = NSTemporaryDirectory() + "dlfs-atomic-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @Test("A FIFO or a link to a character device is refused and left as it was")
    func nonRegularTargets() throws {
        let fifo = "\(directory)/out.safetensors"
        #expect(mkfifo(fifo, 0o600) == 0)
        let link = "\(directory)/null.svg"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/null")
        for (path, kind) in [(fifo, "a FIFO"), (link, "a character device"), (directory, "a directory")] {
            let error = #expect(throws: FileWriteError.self) { try writeFileAtomically([1, 2, 3] as [UInt8], to: path) }
            #expect(error?.reason == "exists and is \(kind), not a regular file; refusing to replace it")
        }
        var status = stat()
        #expect(stat(fifo, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO)
        #expect(lstat(link, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK)
        #expect(stat("/dev/null", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["null.svg", "out.safetensors"])
    }

    @Test("An existing file keeps its permission bits")
    func keepsMode() throws {
        let path = "\(directory)/private.safetensors"
        try writeFileAtomically([1] as [UInt8], to: path)
        #expect(chmod(path, 0o600) == 0)
        try writeFileAtomically([2, 3] as [UInt8], to: path)
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([2, 3]))
    }

    @Test("Names of 235 to 255 bytes are written; the temporary's name is shortened")
    func longNames() throws {
        for length in [235, 250, 255] {
            let name = String(repeating: "é", count: (length - 4) / 2) + String(repeating: "n", count: (length - 4) % 2) + ".pkl"
            #expect(name.utf8.count == length)
            try writeFileAtomically([UInt8(length & 0xFF)] as [UInt8], to: "\(directory)/\(name)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")) == Data([UInt8(length & 0xFF)]))
        }
        #expect(temporaryPrefix(of: String(repeating: "é", count: 120)).utf8.count == 202)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 3)
    }
}
