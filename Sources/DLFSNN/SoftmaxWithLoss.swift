import DLFSCore

/// The last layer of a classifier: it turns the scores into a loss, and gives ∂loss/∂scores back.
public protocol LossLayer<Scalar>: Sendable {
    /// The element type of the scores and the loss.
    associatedtype Scalar: TensorScalar
    /// The mean loss of scores x (n, classes) against labels t, keeping what `backward` needs.
    mutating func forward(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Scalar
    /// ∂loss/∂x for the last `forward`.
    func backward() -> Tensor<Scalar>
    /// The name a model file records (`softmax-with-loss`).
    var name: String { get }
}

/// Softmax and cross-entropy error together, as the book's `SoftmaxWithLoss`.
/// Forward: y = softmax(x), L = −Σ log(y[t] + δ) / N with δ = 1e-7.
/// Backward: dx = (y − onehot(t)) · y[t] / (y[t] + δ) / N, the exact gradient of that L. The book's
/// (y − t) / N leaves out the factor y[t] / (y[t] + δ), which is 1 − 1e-6 for y[t] ≈ 0.1: invisible in
/// training, but a numerical gradient of L sees it, and a gradient check should find nothing to forgive.
public struct SoftmaxWithLoss<Scalar: TensorScalar>: LossLayer {
    /// The probabilities of the last forward pass.
    public private(set) var y: Tensor<Scalar>?
    private var t: [Int] = []
    /// A softmax-with-loss layer.
    public init() {}

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Scalar {
        let (rows, columns) = x.matrixShape
        precondition(t.count == rows, "SoftmaxWithLoss: \(rows) rows of scores but \(t.count) labels")
        let probabilities = softmax(x)
        var total: Scalar = 0
        // As the book: one-hot targets become class indices first.
        let labels = t.classIndices
        probabilities.withUnsafeBufferPointer { y in
            for (r, label) in labels.enumerated() {
                precondition(label >= 0 && label < columns, "SoftmaxWithLoss: label \(label) of row \(r) is not in 0..<\(columns)")
                total += crossEntropy(probabilities: y.baseAddress! + r * columns, label: label)
            }
        }
        y = probabilities
        self.t = labels
        return total / Scalar(rows)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward() -> Tensor<Scalar> {
        guard var dx = y else { preconditionFailure("SoftmaxWithLoss.backward before forward") }
        let (_, columns) = dx.matrixShape
        let n = Scalar(t.count), delta = Scalar(crossEntropyDelta)
        dx.withUnsafeMutableBufferPointer { d in
            for (r, label) in t.enumerated() {
                let row = d.baseAddress! + r * columns
                let scale = row[label] / (row[label] + delta)
                row[label] -= 1
                for j in 0..<columns { row[j] = row[j] * scale / n }
            }
        }
        return dx
    }

    public var name: String { "softmax-with-loss" }
}

/// −log(y[label] + 1e-7) for one row of probabilities: the book's cross-entropy of one example.
@inline(__always)
public func crossEntropy<Scalar: TensorScalar>(probabilities y: UnsafePointer<Scalar>, label: Int) -> Scalar {
    -Scalar.log(y[label] + Scalar(crossEntropyDelta))
}
