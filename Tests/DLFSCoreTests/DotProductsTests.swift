import Testing
@testable import DLFSCore

/// `dotProducts` (C = A · Bᵀ, both operands' rows along k) against the naive reference, and its rows split
/// as a caller may split them.
struct DotProductsTests {
    /// C (m, n) by `dotProducts` and by `referenceGEMM` with B transposed, from the same A, B and old C;
    /// leading dimensions wider than the rows, so the strides are exercised.
    static func both<S: TensorScalar>(_: S.Type, m: Int, n: Int, k: Int, accumulate: Bool) -> (fast: [S], slow: [S]) {
        var rng = SeededGenerator(seed: UInt64(m * 7919 + n * 104_729 + k))
        let (lda, ldb, ldc) = (k + 3, k + 5, n + 2)
        let a = Tensor<S>.randomUniform([m, lda], in: -1..<1, using: &rng)
        let b = Tensor<S>.randomUniform([n, ldb], in: -1..<1, using: &rng)
        let c0 = Tensor<S>.randomUniform([m, ldc], in: -1..<1, using: &rng)
        var (fast, slow) = (c0, c0)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    dotProducts(m: m, n: n, k: k, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                c: c.baseAddress!, ldc: ldc, accumulate: accumulate)
                }
                slow.withUnsafeMutableBufferPointer { c in
                    referenceGEMM(m: m, n: n, k: k, a: a.baseAddress!, lda: lda, transposeA: false, b: b.baseAddress!,
                                  ldb: ldb, transposeB: true, c: c.baseAddress!, ldc: ldc, accumulate: accumulate)
                }
            }
        }
        return (fast.scalars, slow.scalars)
    }

    /// Every remainder of the blocks (three by four with AVX-512, two by three elsewhere), depths below, at
    /// and past one vector and a convolution's (26 rows of colᵀ with ones, 30 filters, 576 positions); the
    /// padding between rows is never written.
    @Test(arguments: [1, 2, 3, 4, 5, 7], [1, 3, 4, 5, 6, 9])
    func agreesWithReference(m: Int, n: Int) {
        for k in [1, 7, 8, 15, 16, 17, 33, 100] {
            for accumulate in [false, true] {
                let f = Self.both(Float.self, m: m, n: n, k: k, accumulate: accumulate)
                let worst = zip(f.fast, f.slow).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-5 * (Float(k).squareRoot() + 1), "Float \(m)x\(n)x\(k): \(worst)")
                let d = Self.both(Double.self, m: m, n: n, k: k, accumulate: accumulate)
                let worstD = zip(d.fast, d.slow).map { abs($0 - $1) }.max()!
                #expect(worstD <= 1e-13 * (Double(k).squareRoot() + 1), "Double \(m)x\(n)x\(k): \(worstD)")
            }
        }
        let conv = Self.both(Float.self, m: 26, n: 30, k: 576, accumulate: true)
        #expect(zip(conv.fast, conv.slow).map { abs($0 - $1) }.max()! <= 1e-5 * 25)
    }

    /// Rows computed alone, in any blocks, give the bits they give in one call.
    @Test func rowsSplitAnywhereGiveTheSameBits() {
        var rng = SeededGenerator(seed: 41)
        let (m, n, k) = (17, 10, 70)
        let a = Tensor<Float>.randomUniform([m, k], in: -1..<1, using: &rng)
        let b = Tensor<Float>.randomUniform([n, k], in: -1..<1, using: &rng)
        func product(splitAt rows: [Int]) -> [Float] {
            var c = Tensor<Float>.zeros([m, n])
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        for (start, end) in zip([0] + rows, rows + [m]) {
                            dotProducts(m: end - start, n: n, k: k, a: a.baseAddress! + start * k, lda: k, b: b.baseAddress!,
                                        ldb: k, c: c.baseAddress! + start * n, ldc: n)
                        }
                    }
                }
            }
            return c.scalars
        }
        let whole = product(splitAt: [])
        #expect(product(splitAt: [1, 5, 11]) == whole && product(splitAt: [8]) == whole)
    }
}
