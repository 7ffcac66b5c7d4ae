import Foundation
import DLFSCore

/// The two halves every catalogue dataset comes in.
public enum Split: String, CaseIterable, Sendable, Hashable {
    /// The training examples (MNIST's 60,000).
    case train
    /// The held-out examples accuracy is measured on (MNIST's 10,000).
    case test
}

/// A dataset read into memory: the catalogue entry, the directory it came from, and the splits asked for.
///
/// ```swift
/// let test = try Dataset.load(.mnist, split: .test, dataDir: "data/mnist")   // an ImageSet
/// let both = try Dataset.load(.fashionMNIST)                                // training and test
/// let x = try both.split(.train).tensors().images
/// ```
public struct Dataset: Sendable {
    /// The catalogue entry the files were read for.
    public let info: DatasetInfo
    /// Where the files were read from.
    public let directory: String
    /// The training images, when they were asked for.
    public let training: ImageSet?
    /// The test images, when they were asked for.
    public let test: ImageSet?

    /// The split, or an error when it was not loaded.
    public func split(_ split: Split) throws -> ImageSet {
        guard let set = split == .train ? training : test else {
            throw DataError(.notFound, file: directory, "the \(split) split of \(info.name) was not loaded")
        }
        return set
    }

    /// Reads the given splits from a directory holding the files (gzip or raw), without looking elsewhere.
    public static func read(_ info: DatasetInfo, splits: [Split] = Split.allCases, from directory: String) throws -> Dataset {
        func load(_ split: Split) throws -> ImageSet? {
            guard splits.contains(split) else { return nil }
            guard let images = info.file(split, .images), let labels = info.file(split, .labels) else {
                throw DataError(.notFound, file: nil, "\(info.name) has no \(split) split")
            }
            return try ImageSet(imagesPath: try DataLocator.existingPath(of: images, in: directory),
                                labelsPath: try DataLocator.existingPath(of: labels, in: directory),
                                classCount: info.classCount)
        }
        return Dataset(info: info, directory: directory, training: try load(.train), test: try load(.test))
    }

    /// Finds the files (the lookup order of `DataLocator`, downloading if allowed) and reads the splits.
    /// Blocks while it downloads; the `async` variant waits without holding a thread of the caller's.
    public static func load(_ info: DatasetInfo, splits: [Split] = Split.allCases, dataDir: String? = nil,
                            locator: DataLocator = DataLocator()) throws -> Dataset {
        try read(info, splits: splits, from: try locator.locate(info, splits: splits, dataDir: dataDir))
    }

    /// `load(_:splits:dataDir:locator:)` on a thread of its own, for async code such as a server.
    public static func load(_ info: DatasetInfo, splits: [Split] = Split.allCases, dataDir: String? = nil,
                            locator: DataLocator = DataLocator()) async throws -> Dataset {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try load(info, splits: splits, dataDir: dataDir, locator: locator) })
            }.start()
        }
    }

    /// One split only, e.g. the MNIST test set for inference.
    public static func load(_ info: DatasetInfo, split: Split, dataDir: String? = nil,
                            locator: DataLocator = DataLocator()) throws -> ImageSet {
        try load(info, splits: [split], dataDir: dataDir, locator: locator).split(split)
    }

    /// The book's `load_mnist` for any catalogue dataset: both splits as `Float` tensors.
    ///
    /// `normalize` scales pixels to [0, 1] (x / 255); `flatten` false gives images of shape (N, 1, 28, 28)
    /// instead of (N, 784); `oneHotLabel` gives one-hot label rows (N, 10) instead of class indices.
    /// ```swift
    /// let (training, test) = try Dataset.loadTensors(.mnist, normalize: true, flatten: true, oneHotLabel: false)
    /// ```
    public static func loadTensors(_ info: DatasetInfo, normalize: Bool = true, flatten: Bool = true,
                                   oneHotLabel: Bool = false, dataDir: String? = nil,
                                   locator: DataLocator = DataLocator()) throws -> (training: LabeledTensors, test: LabeledTensors) {
        let data = try load(info, dataDir: dataDir, locator: locator)
        return (try data.split(.train).tensors(normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel),
                try data.split(.test).tensors(normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel))
    }

    /// `loadTensors` for one split, e.g. `try Dataset.loadTensors(.mnist, split: .test)` where only the test files exist.
    public static func loadTensors(_ info: DatasetInfo, split: Split, normalize: Bool = true, flatten: Bool = true,
                                   oneHotLabel: Bool = false, dataDir: String? = nil,
                                   locator: DataLocator = DataLocator()) throws -> LabeledTensors {
        try load(info, split: split, dataDir: dataDir, locator: locator)
            .tensors(normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel)
    }
}
