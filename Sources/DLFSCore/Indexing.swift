/// Data movement: row gathers and slices (`x[batch_mask]`, `x[a:b]`), transposes (`W.T`,
/// `x.transpose(0, 2, 3, 1)`) and the zero padding of convolution inputs, each materialised row-major.
extension Tensor {
    /// The rows at `indices`, in that order (repeats allowed): `x[indices]` in NumPy.
    /// The first axis is the row axis, whatever the rank.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gatherRows needs rank 1 or more, got shape \(shape)")
        let rowCount = shape[0]
        let width = rowCount == 0 ? 0 : count / rowCount
        return withUnsafeBufferPointer { x in
            Tensor(shape: [indices.count] + shape.dropFirst()) { out in
                // Rows a few ahead are already on their way from memory while this one is copied: rows
                // drawn at random from a large set (the book's x_train[batch_mask]) are cache misses.
                let ahead = 4
                func prefetchRow(_ k: Int) {
                    guard k < indices.count, case let r = indices[k], r >= 0 && r < rowCount else { return }
                    prefetch(x.baseAddress! + r * width, byteCount: width * MemoryLayout<Scalar>.stride)
                }
                for k in 0..<ahead { prefetchRow(k) }
                for (k, r) in indices.enumerated() {
                    precondition(r >= 0 && r < rowCount, "row \(r) is out of range for shape \(shape)")
                    prefetchRow(k + ahead)
                    // A block copy: a caller in another module runs this generic body unspecialised, where an
                    // element loop would go through the scalar type's witnesses.
                    (out.baseAddress! + k * width).initialize(from: x.baseAddress! + r * width, count: width)
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

    /// The axes permuted: axis i of the result is axis `axes[i]` of `self`, so its shape is
    /// (shape[axes[0]], shape[axes[1]], …), as NumPy's `x.transpose(axes)`. Negative axes count from the end.
    public func transposed(axes: [Int]) -> Tensor {
        let order = axes.map { Shape.axis($0, rank: rank) }
        precondition(order.count == rank && Set(order).count == rank,
                     "axes \(axes) are not a permutation of the axes of shape \(shape)")
        let own = Shape.strides(shape)
        let newShape = order.map { shape[$0] }, steps = order.map { own[$0] }
        let n = newShape.last ?? 1, step = steps.last ?? 0
        return withUnsafeBufferPointer { x in
            Tensor(shape: newShape) { out in
                // One operand: its strides stand in for both of the walk's.
                Shape.forEachRow(newShape, steps, steps) { row, offset, _ in
                    for j in 0..<n { out[row * n + j] = x[offset + j * step] }
                }
            }
        }
    }

    /// The entries `range` of the first axis with all their trailing axes, as NumPy's `x[a:b]`, copied:
    /// (n, …) → (range.count, …). Any range expression works, e.g. `x.slice(100...)`.
    public func slice<R: RangeExpression<Int>>(_ range: R) -> Tensor {
        precondition(rank >= 1, "slice needs rank 1 or more, got shape \(shape)")
        let rows = range.relative(to: 0..<shape[0])
        precondition(rows.lowerBound >= 0 && rows.upperBound <= shape[0],
                     "rows \(rows) are out of range for shape \(shape)")
        let width = shape.dropFirst().reduce(1, *)
        return withUnsafeBufferPointer { x in
            Tensor(shape: [rows.count] + shape.dropFirst()) { out in
                out.baseAddress!.initialize(from: x.baseAddress! + rows.lowerBound * width, count: out.count)
            }
        }
    }

    /// `pad` zeros on both sides of the last two axes: (…, H, W) → (…, H + 2·pad, W + 2·pad), as
    /// `np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])` pads the images of a convolution's input.
    public func zeroPadded(_ pad: Int) -> Tensor {
        precondition(rank >= 2, "zero padding needs rank 2 or more, got shape \(shape)")
        precondition(pad >= 0, "padding must not be negative, got \(pad)")
        let (h, w) = (shape[rank - 2], shape[rank - 1])
        let (paddedH, paddedW) = (h + 2 * pad, w + 2 * pad)
        let planes = shape.dropLast(2).reduce(1, *)
        return withUnsafeBufferPointer { x in
            Tensor(shape: Array(shape.dropLast(2)) + [paddedH, paddedW]) { out in
                out.initialize(repeating: 0)
                for p in 0..<planes {
                    for r in 0..<h {
                        let source = x.baseAddress! + (p * h + r) * w
                        let target = out.baseAddress! + (p * paddedH + r + pad) * paddedW + pad
                        target.update(from: source, count: w)
                    }
                }
            }
        }
    }
}
