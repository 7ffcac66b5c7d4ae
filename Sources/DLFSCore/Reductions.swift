/// Sums, means, maxima and argmax: over everything, or along one axis of a tensor of any rank.
/// The reductions along an axis are specialised rather than inlinable: their loops vectorise, and a
/// caller in another module then runs them as compiled here, for this CPU, not with its own flags.
extension Tensor {
    /// Sum of all elements (accumulated in order, as a plain loop).
    @inlinable
    public func sum() -> Scalar { withUnsafeBufferPointer { $0.reduce(0, +) } }

    /// The mean of all elements.
    @inlinable
    public func mean() -> Scalar { sum() / Scalar(count) }

    /// The largest element; the tensor must not be empty.
    @inlinable
    public func max() -> Scalar {
        precondition(count > 0, "max of an empty tensor")
        return withUnsafeBufferPointer { $0.dropFirst().reduce($0[0]) { Swift.max($0, $1) } }
    }

    /// Σ along `axis`: shape (…, n, …) → (…, …), or (…, 1, …) with `keepingDimension` so the result
    /// broadcasts back against `self` (NumPy's `keepdims=True`). A negative axis counts from the end.
    /// For a matrix, axis 0 sums down the columns (the bias gradient), axis 1 along the rows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDimension: keepingDimension, empty: 0, +, isSum: true)
    }

    /// The mean along `axis`: the sum divided by the length n of that axis (NaN when n is 0, as NumPy).
    @inlinable
    public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
        let n = shape[Shape.axis(axis, rank: rank)]
        return sum(axis: axis, keepingDimension: keepingDimension) / Scalar(n)
    }

    /// The largest element along `axis`, which must not be empty; shapes as `sum(axis:keepingDimension:)`.
    /// With `keepingDimension`, `x - x.max(axis: -1, keepingDimension: true)` is the stable softmax shift.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDimension: keepingDimension, empty: nil) { Swift.max($0, $1) }
    }

    /// Folds `op` along `axis`, starting from the first element of each line. The tensor is seen as
    /// (outer, n, inner) around the axis, so the innermost loop always runs over contiguous memory. When `op`
    /// is + (`isSum`), whole vectors of columns are added as vectors: the compiler does not vectorise a loop
    /// whose result and source may overlap. Every element is folded in
    /// the same order. `empty` fills the result when n is 0; nil means the reduction has no value there.
    @inlinable
    func reduce(
        axis: Int, keepingDimension: Bool, empty: Scalar?, _ op: (Scalar, Scalar) -> Scalar, isSum: Bool = false
    ) -> Tensor {
        let axis = Shape.axis(axis, rank: rank)
        let n = shape[axis]
        precondition(n > 0 || empty != nil, "reduction along the empty axis \(axis) of shape \(shape)")
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var resultShape = shape
        if keepingDimension { resultShape[axis] = 1 } else { resultShape.remove(at: axis) }
        return withUnsafeBufferPointer { x in
            Tensor(shape: resultShape) { out in
                if n == 0 { out.initialize(repeating: empty ?? 0); return }
                for o in 0..<outer {
                    let line = x.baseAddress! + o * n * inner, result = out.baseAddress! + o * inner
                    if inner == 1 { result.pointee = Tensor.fold(line, count: n, op); continue }
                    result.initialize(from: line, count: inner)
                    let width = Scalar.Vector.scalarCount
                    let whole = isSum ? inner - inner % width : 0
                    let rowBytes = inner * MemoryLayout<Scalar>.stride
                    // A vector of columns at a time, its running value in a register down all n lines, so no
                    // line's sum waits on storing the line before.
                    for i in Swift.stride(from: 0, to: whole, by: width) {
                        let column = UnsafeRawPointer(line + i)
                        var folded = column.loadUnaligned(as: Scalar.Vector.self)
                        for k in 1..<n {
                            folded += column.loadUnaligned(fromByteOffset: k * rowBytes, as: Scalar.Vector.self)
                        }
                        UnsafeMutableRawPointer(result + i).storeBytes(of: folded, as: Scalar.Vector.self)
                    }
                    for k in 1..<n {
                        for i in whole..<inner { result[i] = op(result[i], line[k * inner + i]) }
                    }
                }
            }
        }
    }

    /// op(…op(op(x[0], x[1]), x[2])…, x[count - 1]), for `count` ≥ 1 contiguous elements.
    @inlinable
    static func fold(_ x: UnsafePointer<Scalar>, count: Int, _ op: (Scalar, Scalar) -> Scalar) -> Scalar {
        var result = x[0]
        for k in 1..<count { result = op(result, x[k]) }
        return result
    }

    /// Index of the largest element of each row (the first one on ties, as NumPy).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
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
