import DLFSCore

/// The `delta` the book adds inside the logarithm so that `log(0)` never yields `-inf`.
public let crossEntropyDelta = 1e-7

/// Sum of squares error, E = ½ Σₖ (yₖ − tₖ)², over every element of `y` and `t` (same shape).
///
/// ```swift
/// let t = Tensor<Double>([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
/// sumSquaresError(Tensor([0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0]), t)   // 0.09750000000000003
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func sumSquaresError<Scalar: TensorScalar>(_ y: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar {
    precondition(y.shape == t.shape, "sumSquaresError: y has shape \(y.shape) but t has shape \(t.shape)")
    let squares = y.withUnsafeBufferPointer { y in
        t.withUnsafeBufferPointer { t in
            (0..<y.count).map { i -> Scalar in
                let d = y[i] - t[i]
                return d * d
            }
        }
    }
    return 0.5 * numpySum(squares)
}

/// Cross-entropy error with one-hot (or, for a single vector, any probability) labels `t` of `y`'s shape.
///
/// - A vector `y` (shape `[k]`): E = −Σₖ tₖ log(yₖ + δ), the book's first version, so soft labels work too.
/// - A batch `y` (shape `[n, k]`): each row of `t` is read as the class of its largest entry (the book's
///   `t.argmax(axis=1)`), and E is the batch mean of the class-index version below.
///
/// δ is `crossEntropyDelta` (1e-7). The sums round as NumPy's `np.sum` does.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func crossEntropyError<Scalar: TensorScalar>(_ y: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar {
    precondition(y.shape == t.shape, "crossEntropyError: y has shape \(y.shape) but t has shape \(t.shape)")
    switch y.rank {
    case 1:
        let delta = Scalar(crossEntropyDelta)
        let terms = y.withUnsafeBufferPointer { y in
            t.withUnsafeBufferPointer { t in (0..<y.count).map { t[$0] * Scalar.log(y[$0] + delta) } }
        }
        return -numpySum(terms)
    case 2:
        return crossEntropyError(y, labels: t.argmaxRows())
    default:
        preconditionFailure("crossEntropyError: y must be a vector or a batch (rank 1 or 2), got shape \(y.shape)")
    }
}

/// Cross-entropy error with class-index labels, the book's batch version:
/// E = −(1/n) Σᵢ log(y[i, labels[i]] + δ), for `y` of shape `[n, k]` with `n` labels, or a vector `y`
/// (shape `[k]`) with one label.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func crossEntropyError<Scalar: TensorScalar>(_ y: Tensor<Scalar>, labels: [Int]) -> Scalar {
    precondition(y.rank == 1 || y.rank == 2, "crossEntropyError: y must have rank 1 or 2, got shape \(y.shape)")
    let (rows, classes) = y.matrixShape
    precondition(labels.count == rows, "crossEntropyError: \(rows) rows of y but \(labels.count) labels")
    let delta = Scalar(crossEntropyDelta)
    let logs = y.withUnsafeBufferPointer { y in
        labels.enumerated().map { i, label -> Scalar in
            precondition(label >= 0 && label < classes, "crossEntropyError: label \(label) of row \(i) is not in 0..<\(classes)")
            return Scalar.log(y[i * classes + label] + delta)
        }
    }
    return -numpySum(logs) / Scalar(rows)
}
