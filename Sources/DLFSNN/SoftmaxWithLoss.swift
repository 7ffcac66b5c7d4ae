import DLFSCore

/// The last layer of a classifier: it turns the scores into a loss, and gives ∂loss/∂scores back.
public protocol LossLayer<Scalar>: Sendable {
    associatedtype Scalar: TensorScalar
    /// The mean loss of scores x (n, classes) against labels t, keeping what `backward` needs.
    mutating func forward(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Scalar
    /// ∂loss/∂x for the last `forward`.
    func backward() -> Tensor<Scalar>
    /// The name a model file records (`softmax-with-loss`).
    var name: String { get }
}

/// Softmax and cross-entropy error together, as the book's `SoftmaxWithLoss`.
/// Forward: y = softmax(x), L = −Σ log(y[t] + 1e-7) / N. Backward: dx = (y − t) / N.
public struct SoftmaxWithLoss<Scalar: TensorScalar>: LossLayer {
    public private(set) var y: Tensor<Scalar>?
    private var t: Labels<Scalar>?
    public init() {}

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Scalar {
        let (rows, columns) = x.matrixShape
        precondition(t.count == rows, "SoftmaxWithLoss: \(rows) rows of scores but \(t.count) labels")
        let probabilities = softmax(x)
        var total: Scalar = 0
        // As the book: one-hot targets become class indices first.
        probabilities.withUnsafeBufferPointer { y in
            for (r, label) in t.classIndices.enumerated() {
                precondition(label >= 0 && label < columns, "SoftmaxWithLoss: label \(label) of row \(r) is not in 0..<\(columns)")
                total += crossEntropy(probabilities: y.baseAddress! + r * columns, label: label)
            }
        }
        y = probabilities
        self.t = t
        return total / Scalar(rows)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward() -> Tensor<Scalar> {
        guard var dx = y, let t else { preconditionFailure("SoftmaxWithLoss.backward before forward") }
        let (rows, columns) = dx.matrixShape
        let n = Scalar(rows)
        dx.withUnsafeMutableBufferPointer { d in
            switch t {
            case .indices(let labels):
                for (r, label) in labels.enumerated() { d[r * columns + label] -= 1 }
            case .oneHot(let targets):
                targets.withUnsafeBufferPointer { t in for i in 0..<d.count { d[i] -= t[i] } }
            }
            for i in 0..<d.count { d[i] /= n }
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
