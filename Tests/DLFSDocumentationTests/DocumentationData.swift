import Foundation
import Testing

/// Where the articles' listings find the book's files: `mnistDirectory` (the MNIST test set) and
/// `bookDirectory` (`sample_weight.pkl`, `params.pkl`, `deep_convnet_params.pkl`) in `../shared/data`, and
/// Fashion-MNIST where the Debian package puts it. A test whose data is absent is skipped with a message,
/// unless `DLFS_REQUIRE_DATA=1`, where it fails.
enum DocumentationData {
    /// The package root: this file is `<root>/Tests/DLFSDocumentationTests/DocumentationData.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared = packageRoot.appendingPathComponent("../shared/data").standardized.path
    static let required = ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1"

    /// The directory, once the files the listing reads are known to be in it.
    static func directory(_ directory: String, holding files: [String]) throws -> String {
        if let missing = files.first(where: { !FileManager.default.fileExists(atPath: "\(directory)/\($0)") }) {
            if required {
                Issue.record("\(directory)/\(missing) is missing and DLFS_REQUIRE_DATA=1")
                throw CancellationError()
            }
            try Test.cancel("skipped: \(directory)/\(missing) is absent (set DLFS_REQUIRE_DATA=1 to require it)")
        }
        return directory
    }

    static func mnist() throws -> String {
        try directory("\(shared)/mnist", holding: ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
    }

    static func book(_ files: String...) throws -> String {
        try directory("\(shared)/book", holding: files)
    }

    /// Fashion-MNIST is found by the default lookup (the Debian package's directory).
    static func requireFashionMNIST() throws {
        _ = try directory("/usr/share/datasets/fashion-mnist", holding: [
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
        ])
    }

    /// A fresh file name under the system temporary directory.
    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-docs-\(UUID().uuidString)-\(name)").path
    }
}
