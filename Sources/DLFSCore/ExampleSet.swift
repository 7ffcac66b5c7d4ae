/// A labelled set of examples the trainer draws batches from and evaluates on, without holding it as
/// one big floating-point tensor (DLFSData's `ImageSet` keeps bytes and converts rows as they are used).
public protocol ExampleSet: Sendable {
    /// The number of examples; indices run from 0 to `count - 1`.
    var count: Int { get }
    /// Values per example: 784 for a 28×28 image.
    var featureCount: Int { get }
    /// The number of classes, so labels run from 0 to `classCount - 1` (10 for MNIST).
    var classCount: Int { get }
    /// The class of example `index`.
    func label(at index: Int) -> Int
    /// Writes the features of the examples at `indices`, one row after another, into `buffer`.
    func gatherFeatures<S: TensorScalar>(_ indices: UnsafeBufferPointer<Int>, into buffer: UnsafeMutablePointer<S>)
    /// The features as the set keeps them when they are bytes (images), for inference that skips zero
    /// pixels before converting anything; nil (the default) otherwise.
    var byteFeatures: ByteFeatures? { get }
    /// Starts loading the features of the examples at `indices` into cache, for a `gatherFeatures` of them
    /// soon after (the trainer asks for the next batch while it computes the current one); does nothing
    /// by default.
    func prefetchFeatures(_ indices: UnsafeBufferPointer<Int>)
}

extension ExampleSet {
    /// No byte features: a set stored as scalars gathers them.
    public var byteFeatures: ByteFeatures? { nil }
    /// Does nothing: a set without a cache to warm need not implement `prefetchFeatures`.
    public func prefetchFeatures(_ indices: UnsafeBufferPointer<Int>) {}
}

/// Features kept as bytes: example i is bytes[i · featureCount ..< (i + 1) · featureCount], and byte b
/// stands for values[b] (b / 255 for normalized images), exactly what `gatherFeatures` writes.
public struct ByteFeatures: Sendable {
    /// Every feature of every example, as stored.
    public let bytes: [UInt8]
    /// The value of each byte, by byte (256 entries).
    public let values: [Float]

    /// Bytes and the table of their values.
    public init(bytes: [UInt8], values: [Float]) {
        precondition(values.count == 256, "ByteFeatures: \(values.count) values for 256 bytes")
        self.bytes = bytes
        self.values = values
    }
}

/// Examples held as a tensor (n, features) with class labels: for tests and small experiments.
public struct TensorExamples<Scalar: TensorScalar>: ExampleSet {
    /// The examples, one per row (n, features).
    public let features: Tensor<Scalar>
    /// The class of each row.
    public let labels: [Int]
    /// How many classes the labels range over.
    public let classCount: Int

    /// Rows of features and their labels; the counts must agree.
    public init(features: Tensor<Scalar>, labels: [Int], classCount: Int) {
        precondition(features.rank == 2 && features.shape[0] == labels.count, "TensorExamples: \(features.shape) for \(labels.count) labels")
        self.features = features; self.labels = labels; self.classCount = classCount
    }

    /// The number of examples.
    public var count: Int { labels.count }
    /// Features per example.
    public var featureCount: Int { features.shape[1] }
    /// The class of the example at `index`.
    public func label(at index: Int) -> Int { labels[index] }

    /// Copies the rows at `indices` into `buffer`, converted to `S`.
    public func gatherFeatures<S: TensorScalar>(_ indices: UnsafeBufferPointer<Int>, into buffer: UnsafeMutablePointer<S>) {
        let width = featureCount
        features.withUnsafeBufferPointer { f in
            for (r, index) in indices.enumerated() {
                for j in 0..<width { buffer[r * width + j] = S(f[index * width + j]) }
            }
        }
    }
}
