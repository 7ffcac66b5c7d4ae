/// Row gather and transpose: the data movement the book does with `x[batch_mask]` and `W.T`.
extension Tensor {
    /// The rows at `indices`, in that order (repeats allowed): `x[indices]` in NumPy.
    /// The first axis is the row axis, whatever the rank.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gatherRows needs rank 1 or more, got shape \(shape)")
        let rowCount = shape[0]
        let width = rowCount == 0 ? 0 : count / rowCount
        return withUnsafeBufferPointer { x in
            Tensor(shape: [indices.count] + shape.dropFirst()) { out in
                for (k, r) in indices.enumerated() {
                    precondition(r >= 0 && r < rowCount, "row \(r) is out of range for shape \(shape)")
                    for c in 0..<width { out[k * width + c] = x[r * width + c] }
                }
            }
        }
    }

    /// The transpose of a matrix, materialised (the matrix products take transposes without this).
    public func transposed() -> Tensor {
        let (rows, columns) = matrixShape
        return withUnsafeBufferPointer { x in
            Tensor(shape: [columns, rows]) { out in
                for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = x[r * columns + c] } }
            }
        }
    }
}
