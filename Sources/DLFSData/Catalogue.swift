/// The size and SHA-256 a file must have to be accepted.
public struct FileDigest: Sendable, Hashable {
    /// The length in bytes.
    public let size: Int
    /// Lowercase hex.
    public let sha256: String

    /// A digest from a length and a lowercase hex SHA-256.
    public init(size: Int, sha256: String) {
        self.size = size
        self.sha256 = sha256
    }
}

/// One file of a dataset, as published (`name` is the gzip file; a raw copy without `.gz` is accepted too).
public struct DatasetFile: Sendable, Hashable {
    /// Whether the file holds the images or the labels of its split.
    public enum Role: Sendable, Hashable {
        /// An IDX file of images, (count, rows, columns) bytes.
        case images
        /// An IDX file of one class index per image.
        case labels
    }

    /// The published file name, e.g. `t10k-images-idx3-ubyte.gz`.
    public let name: String
    /// The split the file belongs to.
    public let split: Split
    /// Images or labels.
    public let role: Role
    /// The published `.gz` file, when its exact bytes are known.
    public let compressed: FileDigest?
    /// The decompressed IDX content: mirrors that re-wrap the same data in a different gzip header still match.
    public let content: FileDigest?

    /// A file entry; at least one digest is needed, so that every copy can be verified.
    public init(name: String, split: Split, role: Role, compressed: FileDigest?, content: FileDigest? = nil) {
        precondition(compressed != nil || content != nil, "\(name) needs a digest to be verifiable")
        self.name = name
        self.split = split
        self.role = role
        self.compressed = compressed
        self.content = content
    }

    /// The name of an uncompressed copy (`t10k-images-idx3-ubyte`).
    public var rawName: String { name.hasSuffix(".gz") ? String(name.dropLast(3)) : name }
}

/// A catalogue entry: where a dataset's files come from and how to recognise them.
///
/// ```swift
/// let test = try await Dataset.load(.mnist, split: .test)
/// let info = try DatasetInfo.named("fashion-mnist")
/// ```
public struct DatasetInfo: Sendable, Hashable {
    /// The name used on the command line and as the directory name under the data and cache directories.
    public let name: String
    /// Every file of the dataset, both splits.
    public let files: [DatasetFile]
    /// Base URLs tried in order; a file's URL is the base followed by its name.
    public let mirrors: [String]
    /// The environment variable whose comma-separated base URLs replace `mirrors`.
    public let mirrorsVariable: String
    /// Directories where an operating-system package installs the files.
    public let systemDirectories: [String]
    /// How to get the data without a download, for the message shown when nothing is found.
    public let offlineHint: String?
    /// The name of each class, by label (`T-shirt/top`, … for Fashion-MNIST).
    public let classNames: [String]
    /// Image height in pixels.
    public let rows: Int
    /// Image width in pixels.
    public let columns: Int

    /// How many classes the labels range over.
    public var classCount: Int { classNames.count }

    /// The files needed for the given splits, images before labels.
    public func files(for splits: [Split]) -> [DatasetFile] {
        files.filter { splits.contains($0.split) }
    }

    /// The file of a split and role, or nil when the catalogue entry has none.
    public func file(_ split: Split, _ role: DatasetFile.Role) -> DatasetFile? {
        files.first { $0.split == split && $0.role == role }
    }

    /// Every dataset DLFS knows by name.
    public static let catalogue: [DatasetInfo] = [.mnist, .fashionMNIST]

    /// The catalogue entry called `name`, or an error listing the known names.
    public static func named(_ name: String) throws -> DatasetInfo {
        guard let info = catalogue.first(where: { $0.name == name.lowercased() }) else {
            let known = catalogue.map(\.name).joined(separator: ", ")
            throw DataError(.notFound, file: nil, "unknown dataset '\(name)'; known datasets: \(known)")
        }
        return info
    }

    /// A catalogue entry; the built-in ones are `.mnist` and `.fashionMNIST`.
    public init(name: String, files: [DatasetFile], mirrors: [String], mirrorsVariable: String,
                systemDirectories: [String] = [], offlineHint: String? = nil, classNames: [String],
                rows: Int = 28, columns: Int = 28) {
        self.name = name
        self.files = files
        self.mirrors = mirrors
        self.mirrorsVariable = mirrorsVariable
        self.systemDirectories = systemDirectories
        self.offlineHint = offlineHint
        self.classNames = classNames
        self.rows = rows
        self.columns = columns
    }
}

extension DatasetInfo {
    /// LeCun, Cortes and Burges's handwritten digits; checksums of the `.gz` files the mirrors serve.
    public static let mnist = DatasetInfo(
        name: "mnist",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz", split: .train, role: .images,
                        compressed: FileDigest(size: 9_912_422, sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609")),
            DatasetFile(name: "train-labels-idx1-ubyte.gz", split: .train, role: .labels,
                        compressed: FileDigest(size: 28_881, sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c")),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz", split: .test, role: .images,
                        compressed: FileDigest(size: 1_648_877, sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6")),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz", split: .test, role: .labels,
                        compressed: FileDigest(size: 4_542, sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
        ],
        mirrors: [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://raw.githubusercontent.com/fgnt/mnist/master/",
        ],
        mirrorsVariable: "DLFS_MNIST_MIRRORS",
        classNames: (0...9).map(String.init))

    /// Zalando's Fashion-MNIST. The Debian package `dataset-fashion-mnist` stores the files re-gzipped
    /// (no file name in the header), the public mirror keeps the originals: both match `content`.
    public static let fashionMNIST = DatasetInfo(
        name: "fashion-mnist",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz", split: .train, role: .images,
                        compressed: FileDigest(size: 26_421_856, sha256: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
                        content: FileDigest(size: 47_040_016, sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888")),
            DatasetFile(name: "train-labels-idx1-ubyte.gz", split: .train, role: .labels,
                        compressed: FileDigest(size: 29_491, sha256: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
                        content: FileDigest(size: 60_008, sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9")),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz", split: .test, role: .images,
                        compressed: FileDigest(size: 4_422_079, sha256: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
                        content: FileDigest(size: 7_840_016, sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b")),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz", split: .test, role: .labels,
                        compressed: FileDigest(size: 5_125, sha256: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
                        content: FileDigest(size: 10_008, sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")),
        ],
        mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        mirrorsVariable: "DLFS_FASHION_MNIST_MIRRORS",
        systemDirectories: ["/usr/share/datasets/fashion-mnist"],
        offlineHint: "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
        classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
}
