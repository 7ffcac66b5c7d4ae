import Foundation
import Testing
@testable import DLFSData

/// Real-data locations and the skip rule shared by this target's tests: a test that needs data absent
/// from this machine is disabled with a message, unless `DLFS_REQUIRE_DATA=1`, where it runs and fails.
enum TestData {
    /// The package root: this file is Tests/DLFSDataTests/TestData.swift.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let mnist = packageRoot.appendingPathComponent("../shared/data/mnist").standardized.path
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    static var required: Bool { ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1" }

    static func has(_ directory: String, _ files: [String]) -> Bool {
        files.allSatisfy { FileManager.default.fileExists(atPath: "\(directory)/\($0)") }
    }

    static var mnistTestSetPresent: Bool {
        required || has(mnist, ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
    }

    static var fashionMNISTPresent: Bool {
        required || has(fashionMNIST, DatasetInfo.fashionMNIST.files.map(\.name))
    }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Small generated IDX fixtures: 3 images of 2x2 and their labels.
enum Fixture {
    static let pixels: [UInt8] = [0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40]
    static let labels: [UInt8] = [7, 0, 9]
    static var imagesIDX: [UInt8] { IDX.encode(dimensions: [3, 2, 2], bytes: pixels) }
    static var labelsIDX: [UInt8] { IDX.encode(dimensions: [3], bytes: labels) }

    /// A two-split dataset whose files are the fixtures, gzip-compressed, with their checksums.
    static func dataset(name: String = "tiny") throws -> (DatasetInfo, [String: [UInt8]]) {
        let images = try Gzip.compress(imagesIDX), labels = try Gzip.compress(labelsIDX)
        let digest = { (bytes: [UInt8]) in FileDigest(size: bytes.count, sha256: sha256Hex(bytes)) }
        let files = [
            DatasetFile(name: "train-images-idx3-ubyte.gz", split: .train, role: .images, compressed: digest(images)),
            DatasetFile(name: "train-labels-idx1-ubyte.gz", split: .train, role: .labels, compressed: digest(labels)),
        ]
        let info = DatasetInfo(name: name, files: files, mirrors: ["http://127.0.0.1:9/"],
                               mirrorsVariable: "DLFS_TINY_MIRRORS", classNames: (0...9).map(String.init),
                               rows: 2, columns: 2)
        return (info, ["train-images-idx3-ubyte.gz": images, "train-labels-idx1-ubyte.gz": labels])
    }
}
