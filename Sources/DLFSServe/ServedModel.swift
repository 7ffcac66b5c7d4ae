import DLFS

/// A trained network the page draws with and browses the mistakes of: the book's chapter-3 net, a ConvNet
/// with the book's weights, a model file, or the net the page itself trained.
public struct ServedModel: Sendable {
    /// What the page calls it ("chapter-3", "simple-convnet", a file name, "trained").
    public var name: String
    public var model: Sequential<Float>
    /// The dataset it was trained on when known (a model file's metadata), shown beside its name.
    public var dataset: String?
    /// Which training run made it (the page's "trained" model is replaced by each run).
    var revision = 0

    public init(name: String, model: Sequential<Float>, dataset: String? = nil) {
        self.name = name
        self.model = model
        self.dataset = dataset
    }

    /// Class probabilities of the examples at `rows`: (rows.count, classes), the softmax of the scores.
    /// Features are gathered as the trainer gathers them, so a drawn digit is scaled exactly as MNIST is.
    public func probabilities(_ examples: any ExampleSet, rows: Range<Int>) -> Tensor<Float> {
        let x = Tensor<Float>(shape: [rows.count, examples.featureCount]) { buffer in
            Array(rows).withUnsafeBufferPointer { examples.gatherFeatures($0, into: buffer.baseAddress!) }
        }
        return softmax(model.predict(x))
    }
}

/// One 28 × 28 grey image (0 white paper … 255 ink, MNIST's convention) as a one-example set, so that a
/// drawing is normalised by the same code as the dataset's images.
func singleImage(_ pixels: [UInt8], side: Int) throws -> ImageSet {
    try ImageSet(pixels: pixels, labels: [0], rows: side, columns: side, classCount: 10, name: "drawing")
}
