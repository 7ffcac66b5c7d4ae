/// Sums, means, maxima and argmax: over everything, or along axis 0 (down the columns) or 1 (along rows).
extension Tensor {
    /// Sum of all elements (accumulated in order, as a plain loop).
    @inlinable
    public func sum() -> Scalar { withUnsafeBufferPointer { $0.reduce(0, +) } }

    @inlinable
    public func mean() -> Scalar { sum() / Scalar(count) }

    @inlinable
    public func max() -> Scalar {
        precondition(count > 0, "max of an empty tensor")
        return withUnsafeBufferPointer { $0.dropFirst().reduce($0[0]) { Swift.max($0, $1) } }
    }

    /// Sum along `axis` of a matrix: axis 0 gives (columns), axis 1 gives (rows).
    public func sum(axis: Int) -> Tensor { reduce(axis: axis, initial: 0, +) }

    public func mean(axis: Int) -> Tensor {
        let (rows, columns) = matrixShape
        return sum(axis: axis) / Scalar(axis == 0 ? rows : columns)
    }

    public func max(axis: Int) -> Tensor { reduce(axis: axis, initial: -.infinity) { Swift.max($0, $1) } }

    func reduce(axis: Int, initial: Scalar, _ op: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(axis == 0 || axis == 1, "axis must be 0 or 1, got \(axis)")
        let (rows, columns) = matrixShape
        return withUnsafeBufferPointer { x in
            Tensor(shape: [axis == 0 ? columns : rows]) { out in
                out.initialize(repeating: initial)
                for r in 0..<rows {
                    for c in 0..<columns {
                        let o = axis == 0 ? c : r
                        out[o] = op(out[o], x[r * columns + c])
                    }
                }
            }
        }
    }

    /// Index of the largest element of each row (the first one on ties, as NumPy).
    public func argmaxRows() -> [Int] {
        let (rows, columns) = matrixShape
        precondition(columns > 0, "argmax of rows with no columns, shape \(shape)")
        return withUnsafeBufferPointer { x in
            (0..<rows).map { r in
                var best = 0
                for c in 1..<columns where x[r * columns + c] > x[r * columns + best] { best = c }
                return best
            }
        }
    }
}
