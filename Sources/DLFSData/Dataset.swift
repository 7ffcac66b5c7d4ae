/// The two halves every catalogue dataset comes in.
public enum Split: String, CaseIterable, Sendable, Hashable {
    case train, test
}

/// A dataset read into memory: the catalogue entry, the directory it came from, and the splits asked for.
///
/// ```swift
/// let test = try await Dataset.load(.mnist, split: .test, dataDir: "data/mnist")   // an ImageSet
/// let both = try await Dataset.load(.fashionMNIST)                                // train and test
/// let (x, t) = (both.train!.tensors().images, both.train!.tensors().labels)
/// ```
public struct Dataset: Sendable {
    public let info: DatasetInfo
    /// Where the files were read from.
    public let directory: String
    public let train: ImageSet?
    public let test: ImageSet?

    /// The split, or an error when it was not loaded.
    public func split(_ split: Split) throws -> ImageSet {
        guard let set = split == .train ? train : test else {
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
        return Dataset(info: info, directory: directory, train: try load(.train), test: try load(.test))
    }

    /// Finds the files (the lookup order of `DataLocator`, downloading if allowed) and reads the splits.
    public static func load(_ info: DatasetInfo, splits: [Split] = Split.allCases, dataDir: String? = nil,
                            locator: DataLocator = DataLocator()) async throws -> Dataset {
        let directory = try await locator.locate(info, splits: splits, dataDir: dataDir)
        return try read(info, splits: splits, from: directory)
    }

    /// One split only, e.g. the MNIST test set for inference.
    public static func load(_ info: DatasetInfo, split: Split, dataDir: String? = nil,
                            locator: DataLocator = DataLocator()) async throws -> ImageSet {
        try await load(info, splits: [split], dataDir: dataDir, locator: locator).split(split)
    }
}

/// The book's `load_mnist`: train and test splits as `Float` tensors.
///
/// `normalize` scales pixels to [0, 1] (x / 255); `flatten` false gives images of shape (N, 1, 28, 28)
/// instead of (N, 784); `oneHotLabel` gives labels of shape (N, 10) instead of class indices (N).
/// ```swift
/// let (train, test) = try await loadMNIST(normalize: true, flatten: true, oneHotLabel: false)
/// ```
public func loadMNIST(normalize: Bool = true, flatten: Bool = true, oneHotLabel: Bool = false,
                      dataset: DatasetInfo = .mnist, dataDir: String? = nil,
                      locator: DataLocator = DataLocator()) async throws -> (train: LabeledTensors, test: LabeledTensors) {
    let data = try await Dataset.load(dataset, dataDir: dataDir, locator: locator)
    return (try data.split(.train).tensors(normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel),
            try data.split(.test).tensors(normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel))
}

/// `loadMNIST` for one split, e.g. `try await loadMNIST(split: .test)` where only the test files exist.
public func loadMNIST(split: Split, normalize: Bool = true, flatten: Bool = true, oneHotLabel: Bool = false,
                      dataset: DatasetInfo = .mnist, dataDir: String? = nil,
                      locator: DataLocator = DataLocator()) async throws -> LabeledTensors {
    try await Dataset.load(dataset, split: split, dataDir: dataDir, locator: locator)
        .tensors(normalize: normalize, flatten: flatten, oneHotLabel: oneHotLabel)
}
