/// Targets of a classification batch: class indices (`t = [7, 2, 1]`) or one-hot rows, as the book's
/// functions accept either.
public enum Labels<Scalar: TensorScalar>: Sendable {
    /// One class index per example, as the book's `t = [7, 2, 1]`.
    case indices([Int])
    /// One row per example, 1 in the column of its class and 0 elsewhere.
    case oneHot(Tensor<Scalar>)

    /// The number of examples labelled.
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

extension Labels {
    /// The same labels for a network of another scalar type (`Float` labels from a dataset for a `Double` net).
    public func converted<T: TensorScalar>(to _: T.Type) -> Labels<T> {
        switch self {
        case .indices(let t): return .indices(t)
        case .oneHot(let t): return .oneHot(t.converted(to: T.self))
        }
    }
}
