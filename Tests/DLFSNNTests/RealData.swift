import DLFSCore
import DLFSData
import DLFSIO
import DLFSNN
import Foundation
import Testing

/// The real data these tests need — the MNIST test set and the book's `sample_weight.pkl` from
/// `../shared/data`, Fashion-MNIST from the Debian package — skipped with a message when absent, unless
/// `DLFS_REQUIRE_DATA=1`, where absence fails.
enum RealData {
    /// The package root: this file is `<root>/Tests/DLFSNNTests/RealData.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared = packageRoot.appendingPathComponent("../shared/data").standardized.path
    static let required = ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1"

    static func path(_ path: String) throws -> String {
        if FileManager.default.fileExists(atPath: path) { return path }
        if required {
            Issue.record("\(path) is missing and DLFS_REQUIRE_DATA=1")
            throw CancellationError()
        }
        try Test.cancel("skipped: \(path) is absent (set DLFS_REQUIRE_DATA=1 to require it)")
    }

    static func sampleWeights() throws -> NetworkParameters<Float> {
        try loadWeights(try path("\(shared)/book/sample_weight.pkl")).parameters(as: Float.self)
    }

    /// One of the book's pickles in `../shared/data/book` (`params.pkl`, `deep_convnet_params.pkl`), in Float.
    static func bookWeights(_ file: String) throws -> NetworkParameters<Float> {
        try loadWeights(try path("\(shared)/book/\(file)")).parameters(as: Float.self)
    }

    static func mnistTest() throws -> ImageSet {
        let directory = try path("\(shared)/mnist")
        return try Dataset.read(.mnist, splits: [.test], from: directory).split(.test)
    }
}
