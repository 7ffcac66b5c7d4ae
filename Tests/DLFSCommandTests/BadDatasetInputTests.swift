import DLFSData
import Foundation
import Testing

/// One row of the dataset matrix: breaks a valid MNIST test-split directory and returns the message
/// `dlfs show --data-dir` must print after `error: `.
struct DatasetRow: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let breakDirectory: @Sendable (DatasetDirectory) throws -> String

    init(_ name: String, _ breakDirectory: @escaping @Sendable (DatasetDirectory) throws -> String) {
        testDescription = name
        self.breakDirectory = breakDirectory
    }
}

/// Replaces the raw images (or labels) file by a gzip one holding `bytes`; returns its path.
private func replaceWithGzip(_ raw: String, _ bytes: [UInt8]) throws -> String {
    try FileManager.default.removeItem(atPath: raw)
    try BrokenFile.write(bytes, to: raw + ".gz")
    return raw + ".gz"
}

private let datasetRows: [DatasetRow] = [
    DatasetRow("empty images file") { d in
        try BrokenFile.write([], to: d.imagesPath)
        return "\(d.imagesPath): the file is empty"
    },
    DatasetRow("shorter than a magic") { d in
        try BrokenFile.write([0, 0, 8], to: d.imagesPath)
        return "\(d.imagesPath): only 3 bytes, shorter than an IDX magic"
    },
    DatasetRow("header cut short") { d in
        try BrokenFile.write([0, 0, 8, 3, 0, 0], to: d.imagesPath)
        return "\(d.imagesPath): the IDX header needs 16 bytes, the file has 6"
    },
    DatasetRow("truncated pixels") { d in
        try BrokenFile.write(Array(BrokenFile.images.prefix(116)), to: d.imagesPath)
        return "\(d.imagesPath): the header declares [2, 28, 28] = 1568 bytes of data, the file holds 100"
    },
    DatasetRow("trailing bytes after the labels") { d in
        try BrokenFile.write(BrokenFile.labels + [1, 2, 3], to: d.labelsPath)
        return "\(d.labelsPath): 3 bytes after the 2 bytes the header [2] declares"
    },
    DatasetRow("wrong magic (a zip file)") { d in
        try BrokenFile.write([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40), to: d.imagesPath)
        return "\(d.imagesPath): not an IDX file (magic 0x504b0304; IDX starts with 00 00 08)"
    },
    DatasetRow("wrong element type (int32 labels)") { d in
        try BrokenFile.write(BrokenFile.idxHeader([2], type: 0x0C) + [UInt8](repeating: 0, count: 8), to: d.labelsPath)
        return "\(d.labelsPath): IDX element type 0x0c (int32) is not supported; expected 0x08 (unsigned byte)"
    },
    DatasetRow("two dimensions") { d in
        try BrokenFile.write(BrokenFile.idxHeader([2, 784]) + [UInt8](repeating: 0, count: 1568), to: d.imagesPath)
        return "\(d.imagesPath): IDX array has 2 dimensions; expected 1 (labels) or 3 (images)"
    },
    DatasetRow("labels where the images should be") { d in
        try BrokenFile.write(BrokenFile.labels, to: d.imagesPath)
        return "\(d.imagesPath): an images file needs 3 dimensions, this one has [2]"
    },
    DatasetRow("zero rows per image") { d in
        try BrokenFile.write(BrokenFile.idxHeader([2, 0, 28]), to: d.imagesPath)
        return "\(d.imagesPath): 0 pixels do not make 2 images of 0x28"
    },
    DatasetRow("huge declared size (600 TB), raw") { d in
        try BrokenFile.write(BrokenFile.idxHeader([60000, 100_000, 100_000]) + [UInt8](repeating: 0, count: 10), to: d.imagesPath)
        return "\(d.imagesPath): the header declares [60000, 100000, 100000] = 600000000000000 bytes of data, the file holds 10"
    },
    DatasetRow("huge declared size (600 TB), gzip") { d in
        let gzip = try Gzip.compress(BrokenFile.idxHeader([60000, 100_000, 100_000]))
        let path = try replaceWithGzip(d.imagesPath, gzip)
        return "\(path): the header declares [60000, 100000, 100000] = 600000000000000 bytes, more than a \(gzip.count)-byte gzip file can hold"
    },
    DatasetRow("dimensions whose product overflows") { d in
        try BrokenFile.write(BrokenFile.idxHeader([.max, .max, .max]), to: d.imagesPath)
        return "\(d.imagesPath): the IDX dimensions [4294967295, 4294967295, 4294967295] overflow"
    },
    DatasetRow("gzip header only") { d in
        let path = try replaceWithGzip(d.imagesPath, Array(try Gzip.compress(BrokenFile.images).prefix(10)))
        return "\(path): gzip stream is truncated (ends after 0 decompressed bytes)"
    },
    DatasetRow("gzip without its trailer") { d in
        let path = try replaceWithGzip(d.imagesPath, Array(try Gzip.compress(BrokenFile.images).dropLast(8)))
        return "\(path): gzip stream is truncated (ends after 1584 decompressed bytes)"
    },
    DatasetRow("gzip with a wrong CRC") { d in
        var gzip = try Gzip.compress(BrokenFile.labels)
        gzip[gzip.count - 8] ^= 0xFF
        let path = try replaceWithGzip(d.labelsPath, gzip)
        return "\(path): gzip data is corrupt (incorrect data check)"
    },
    DatasetRow("garbage after the gzip stream") { d in
        let path = try replaceWithGzip(d.labelsPath, try Gzip.compress(BrokenFile.labels) + [0, 1, 2, 3])
        return "\(path): 4 bytes of garbage after the gzip stream"
    },
    DatasetRow("more labels than images") { d in
        try BrokenFile.write(BrokenFile.idxHeader([3]) + [1, 2, 3], to: d.labelsPath)
        return "\(d.labelsPath): holds 3 labels but \(d.imagesPath) holds 2 images"
    },
    DatasetRow("a label outside the 10 classes") { d in
        try BrokenFile.write(BrokenFile.idxHeader([2]) + [7, 10], to: d.labelsPath)
        return "\(d.labelsPath): label 10 at index 1 is not below the 10 classes"
    },
    DatasetRow("missing labels file") { d in
        try FileManager.default.removeItem(atPath: d.labelsPath)
        return "\(d.path)/t10k-labels-idx1-ubyte.gz: missing (neither t10k-labels-idx1-ubyte.gz nor t10k-labels-idx1-ubyte is in the directory)"
    },
    DatasetRow("a directory where the images file should be") { d in
        try FileManager.default.removeItem(atPath: d.imagesPath)
        try FileManager.default.createDirectory(atPath: d.imagesPath, withIntermediateDirectories: false)
        return "\(d.imagesPath): is not a regular file"
    },
    DatasetRow("a named pipe where the labels file should be (must not block)") { d in
        try FileManager.default.removeItem(atPath: d.labelsPath)
        try BrokenFile.makeFIFO(at: d.labelsPath)
        return "\(d.labelsPath): is not a regular file"
    },
]

@Suite("Bad dataset files: dlfs show --data-dir")
struct BadDatasetInputTests {
    @Test("the valid directory the rows start from is read")
    func validDirectory() throws {
        let directory = try DatasetDirectory()
        defer { directory.cleanUp() }
        let result = try directory.show("--index", "1", "--color", "never")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("mnist test #1: label 2\n"))
    }

    @Test("one error line naming the file, exit 1", arguments: datasetRows)
    func row(_ row: DatasetRow) throws {
        let directory = try DatasetDirectory()
        defer { directory.cleanUp() }
        let expected = try row.breakDirectory(directory)
        expectOneErrorLine(try directory.show(), expected)
    }

    @Test("an unreadable file (skipped as root, whom permissions do not stop)")
    func unreadable() throws {
        guard !BrokenFile.runningAsRoot else {
            try Test.cancel("skipped: running as root, chmod 000 does not stop root from reading")
        }
        let directory = try DatasetDirectory()
        defer { directory.cleanUp() }
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: directory.imagesPath)
        expectOneErrorLine(try directory.show(), "\(directory.imagesPath): cannot open: Permission denied")
    }

    /// Without search permission on the directory its files cannot even be looked up: that is not "missing".
    /// Root, whom permissions do not stop, runs dlfs as nobody through setpriv.
    @Test("a directory that cannot be searched is reported as such, not as missing",
          .enabled(if: !BrokenFile.runningAsRoot || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func unsearchableDirectory() throws {
        let directory = try DatasetDirectory()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            directory.cleanUp()
        }
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: directory.path)
        let wrapper = BrokenFile.runningAsRoot ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
        expectOneErrorLine(try dlfs(["show", "--data-dir", directory.path], wrapper: wrapper),
                           "\(directory.path): cannot look inside for t10k-images-idx3-ubyte.gz: Permission denied")
    }

    @Test("--data-dir that does not exist, or is a file")
    func dataDirectoryItself() throws {
        let directory = try DatasetDirectory()
        defer { directory.cleanUp() }
        let missing = directory.directory.file("nowhere")
        expectOneErrorLine(try dlfs("show", "--data-dir", missing),
                           "\(missing): no such directory (it should hold t10k-images-idx3-ubyte.gz)")
        expectOneErrorLine(try dlfs("show", "--data-dir", directory.imagesPath),
                           "\(directory.imagesPath): not a directory (it should be one holding t10k-images-idx3-ubyte.gz)")
    }

    @Test("invalid arguments of show")
    func invalidArguments() throws {
        let directory = try DatasetDirectory()
        defer { directory.cleanUp() }
        expectOneErrorLine(try directory.show("--index", "-1"), "--index -1 is outside 0..<2 for mnist test")
        expectOneErrorLine(try directory.show("--index", "0", "--index", "2"), "--index 2 is outside 0..<2 for mnist test")
        expectOneErrorLine(try directory.show("--dataset", "cifar"), "unknown dataset 'cifar'; known datasets: mnist, fashion-mnist")
        expectUsageError(try directory.show("--scale", "0"), "--scale must be between 1 and 64")
        expectUsageError(try directory.show("--split", "validation"),
                         "The value 'validation' is invalid for '--split <split>'. Please provide one of 'train' and 'test'.")
        expectUsageError(try directory.show("--index", "one"), "The value 'one' is invalid for '--index <index>'")
    }
}
