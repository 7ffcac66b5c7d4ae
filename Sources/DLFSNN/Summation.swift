import DLFSCore

/// Sums `values` in the order NumPy's `np.sum` does for a contiguous float array (pairwise summation with
/// eight accumulators in blocks of up to 128), so a loss computed here rounds exactly as the book's does.
///
/// A plain left-to-right loop differs from NumPy in the last bits for ten or more elements.
@inlinable
func pairwiseSum<Scalar: TensorScalar>(_ values: UnsafeBufferPointer<Scalar>) -> Scalar {
    let n = values.count
    if n < 8 {
        var sum: Scalar = -0.0
        for v in values { sum += v }
        return sum
    }
    if n <= 128 {
        var r0 = values[0], r1 = values[1], r2 = values[2], r3 = values[3]
        var r4 = values[4], r5 = values[5], r6 = values[6], r7 = values[7]
        var i = 8
        while i < n - n % 8 {
            r0 += values[i]; r1 += values[i + 1]; r2 += values[i + 2]; r3 += values[i + 3]
            r4 += values[i + 4]; r5 += values[i + 5]; r6 += values[i + 6]; r7 += values[i + 7]
            i += 8
        }
        var sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n { sum += values[i]; i += 1 }
        return sum
    }
    var half = n / 2
    half -= half % 8
    return pairwiseSum(UnsafeBufferPointer(rebasing: values[..<half]))
        + pairwiseSum(UnsafeBufferPointer(rebasing: values[half...]))
}

/// `np.sum` of a contiguous array: NumPy starts the reduction from the identity +0, then adds the pairwise sum
/// of every element (so a sum of negative zeros is +0, as in NumPy).
@inlinable
func numpySum<Scalar: TensorScalar>(_ values: UnsafeBufferPointer<Scalar>) -> Scalar {
    0 + pairwiseSum(values)
}

/// `numpySum` over an array.
@inlinable
func numpySum<Scalar: TensorScalar>(_ values: [Scalar]) -> Scalar {
    values.withUnsafeBufferPointer { numpySum($0) }
}
