import DLFSCore

/// Targets of a classification batch: class indices (`t = [7, 2, 1]`) or one-hot rows, as the book's
/// functions accept either.
public enum Labels<Scalar: TensorScalar>: Sendable {
    case indices([Int])
    case oneHot(Tensor<Scalar>)

    public var count: Int {
        switch self {
        case .indices(let t): return t.count
        case .oneHot(let t): return t.matrixShape.rows
        }
    }

    /// The class index of each row (the position of the 1 in a one-hot row).
    public var classIndices: [Int] {
        switch self {
        case .indices(let t): return t
        case .oneHot(let t): return t.argmaxRows()
        }
    }
}
