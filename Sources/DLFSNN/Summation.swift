import DLFSCore

/// Sums `values` in the order NumPy's `np.sum` does for a contiguous float array (pairwise summation with
/// eight accumulators in blocks of up to 128), so a loss computed here rounds exactly as the book's does.
///
/// A plain left-to-right loop differs from NumPy in the last bits for ten or more elements.
///
/// `Term` maps each value before it is summed (`Squared` for NumPy's `np.sum(W**2)`, whose squares are
/// rounded before the sum just as here), so no array of terms is made; a type rather than a closure keeps
/// the recursion specialised.
@inlinable
func pairwiseSum<Term: SummationTerm>(_ values: UnsafeBufferPointer<Term.Scalar>, _: Term.Type) -> Term.Scalar {
    typealias Scalar = Term.Scalar
    let term = Term.apply
    let n = values.count
    if n < 8 {
        var sum: Scalar = -0.0
        for v in values { sum += term(v) }
        return sum
    }
    if n <= 128 {
        var r0 = term(values[0]), r1 = term(values[1]), r2 = term(values[2]), r3 = term(values[3])
        var r4 = term(values[4]), r5 = term(values[5]), r6 = term(values[6]), r7 = term(values[7])
        var i = 8
        while i < n - n % 8 {
            r0 += term(values[i]); r1 += term(values[i + 1]); r2 += term(values[i + 2]); r3 += term(values[i + 3])
            r4 += term(values[i + 4]); r5 += term(values[i + 5]); r6 += term(values[i + 6]); r7 += term(values[i + 7])
            i += 8
        }
        var sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n { sum += term(values[i]); i += 1 }
        return sum
    }
    var half = n / 2
    half -= half % 8
    return pairwiseSum(UnsafeBufferPointer(rebasing: values[..<half]), Term.self)
        + pairwiseSum(UnsafeBufferPointer(rebasing: values[half...]), Term.self)
}

/// What `pairwiseSum` adds up for each value.
@usableFromInline protocol SummationTerm {
    associatedtype Scalar: TensorScalar
    static func apply(_ value: Scalar) -> Scalar
}

/// The value itself.
@usableFromInline enum Plain<Scalar: TensorScalar>: SummationTerm {
    @inlinable static func apply(_ value: Scalar) -> Scalar { value }
}

/// The value squared (rounded to `Scalar`).
@usableFromInline enum Squared<Scalar: TensorScalar>: SummationTerm {
    @inlinable static func apply(_ value: Scalar) -> Scalar { value * value }
}

/// `np.sum` of a contiguous array: NumPy starts the reduction from the identity +0, then adds the pairwise sum
/// of every element (so a sum of negative zeros is +0, as in NumPy).
@inlinable
func numpySum<Scalar: TensorScalar>(_ values: UnsafeBufferPointer<Scalar>) -> Scalar {
    0 + pairwiseSum(values, Plain<Scalar>.self)
}

/// `numpySum` over an array.
@inlinable
func numpySum<Scalar: TensorScalar>(_ values: [Scalar]) -> Scalar {
    values.withUnsafeBufferPointer { numpySum($0) }
}

/// `np.sum(W**2)`: the sum of squares in NumPy's order, each square rounded first.
@inlinable
func numpySumOfSquares<Scalar: TensorScalar>(_ values: UnsafeBufferPointer<Scalar>) -> Scalar {
    0 + pairwiseSum(values, Squared<Scalar>.self)
}
