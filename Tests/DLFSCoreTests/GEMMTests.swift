import Testing
@testable import DLFSCore

/// The fast GEMM against the naive reference on odd shapes, in every transpose combination.
struct GEMMTests {
    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (1, 1, 1), (7, 13, 5), (33, 1, 17), (100, 784, 50), (784, 100, 50), (100, 50, 10), (257, 129, 65),
        (6, 300, 16), (13, 600, 33),  // exact tiles; more than one KC block
        (13, 800, 50), (7, 1000, 34), (20, 30, 130), (20, 30, 129),  // dot-product column edges, packed A
        (9, 100, 200), (25, 1100, 140),  // packed A with tile edges; three K blocks
        (150, 800, 140),  // large enough to be split over two threads
        (150, 40, 50), (99, 20, 36), (53, 30, 1),  // transposed A's narrow column edge, blocks of rows and the rest
    ]

    /// Every tile edge of the micro-kernel and the column-edge kernel: all row and column remainders,
    /// depths on both sides of one vector.
    @Test(arguments: [false, true], [false, true])
    func smallShapesMatchReference(ta: Bool, tb: Bool) {
        for m in 1...13 {
            for n in 1...40 {
                for k in [1, 2, 7, 8, 9, 17] {
                    Self.check(Float.self, m: m, k: k, n: n, ta: ta, tb: tb, accumulate: (m + n) % 2 == 0,
                               threads: 1, tolerance: 1e-5)
                }
                Self.check(Double.self, m: m, k: 9, n: n, ta: ta, tb: tb, accumulate: n % 2 == 0, threads: 1,
                           tolerance: 1e-12)
            }
        }
    }

    static func check<S: TensorScalar>(_: S.Type, m: Int, k: Int, n: Int, ta: Bool, tb: Bool,
                                      accumulate: Bool, threads: Int, tolerance: S) {
        var rng = SeededGenerator(seed: UInt64(m * 1_000_003 + k * 1009 + n))
        let a = Tensor<S>.randomUniform(ta ? [k, m] : [m, k], in: -1..<1, using: &rng)
        let b = Tensor<S>.randomUniform(tb ? [n, k] : [k, n], in: -1..<1, using: &rng)
        let c0 = Tensor<S>.randomUniform([m, n], in: -1..<1, using: &rng)
        var fast = c0, slow = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                fast.withUnsafeMutableBufferPointer { pc in
                    gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: ta ? m : k, transposeA: ta,
                         b: pb.baseAddress!, ldb: tb ? k : n, transposeB: tb,
                         c: pc.baseAddress!, ldc: n, accumulate: accumulate, threads: threads)
                }
                slow.withUnsafeMutableBufferPointer { pc in
                    referenceGEMM(m: m, n: n, k: k, a: pa.baseAddress!, lda: ta ? m : k, transposeA: ta,
                                  b: pb.baseAddress!, ldb: tb ? k : n, transposeB: tb,
                                  c: pc.baseAddress!, ldc: n, accumulate: accumulate)
                }
            }
        }
        // Relative to the size of the sum's terms: |Σ| can cancel to near zero.
        let scale = S(k).squareRoot() + 1
        let worst = zip(fast.scalars, slow.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst / scale <= tolerance, "\(S.self) \(m)x\(k)x\(n) ta=\(ta) tb=\(tb): \(worst)")
    }

    @Test(arguments: [false, true], [false, true])
    func floatMatchesReference(ta: Bool, tb: Bool) {
        for s in Self.shapes {
            Self.check(Float.self, m: s.m, k: s.k, n: s.n, ta: ta, tb: tb, accumulate: false, threads: 1, tolerance: 1e-5)
            Self.check(Float.self, m: s.m, k: s.k, n: s.n, ta: ta, tb: tb, accumulate: true, threads: 2, tolerance: 1e-5)
        }
    }

    @Test(arguments: [false, true], [false, true])
    func doubleMatchesReference(ta: Bool, tb: Bool) {
        for s in Self.shapes {
            Self.check(Double.self, m: s.m, k: s.k, n: s.n, ta: ta, tb: tb, accumulate: false, threads: 1, tolerance: 1e-12)
            Self.check(Double.self, m: s.m, k: s.k, n: s.n, ta: ta, tb: tb, accumulate: true, threads: 2, tolerance: 1e-12)
        }
    }

    /// DLFS's own kernel on one thread, whichever backend `gemm` uses (the bit-for-bit tests are about it).
    static func ownKernel(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                          b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                          accumulate: Bool) {
        blockedGEMM(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                    c: c, ldc: ldc, accumulate: accumulate, kcMax: Blocking.kc(depth: k, columns: n))
    }

    /// With A transposed, the narrow column edges (here 2 columns past three slivers, 4 past two; A read in
    /// place, or packed when C is wide) give exactly the bits of the full-width kernel, which runs on the
    /// same product with B padded by zero columns to whole slivers. (With A row-major they are dot
    /// products, summed in another order.)
    @Test(arguments: [(784, 100, 50), (150, 40, 36), (53, 30, 50), (60, 30, 130)])
    func narrowColumnEdgesMatchTheFullKernelBits(m: Int, k: Int, n: Int) {
        let wide = (n + 15) / 16 * 16
        var rng = SeededGenerator(seed: 11)
        let a = Tensor<Float>.randomNormal([k, m], using: &rng)  // stored transposed
        let b = Tensor<Float>.randomNormal([k, n], using: &rng)
        let padded = Tensor<Float>(shape: [k, wide], scalars: (0..<k * wide).map { $0 % wide < n ? b.scalars[$0 / wide * n + $0 % wide] : 0 })
        let c0 = Tensor<Float>.randomNormal([m, wide], using: &rng)
        func product(_ b: Tensor<Float>, columns: Int, accumulate: Bool) -> [Float] {
            var c = Tensor<Float>(shape: [m, columns], scalars: (0..<m * columns).map { c0.scalars[$0 / columns * wide + $0 % columns] })
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        Self.ownKernel(m: m, n: columns, k: k, a: pa.baseAddress!, lda: m, transposeA: true,
                                       b: pb.baseAddress!, ldb: columns, transposeB: false, c: pc.baseAddress!, ldc: columns,
                                       accumulate: accumulate)
                    }
                }
            }
            return (0..<m * n).map { c.scalars[$0 / n * columns + $0 % n] }
        }
        for accumulate in [false, true] {
            let differing = zip(product(b, columns: n, accumulate: accumulate),
                                product(padded, columns: wide, accumulate: accumulate)).count { $0 != $1 }
            #expect(differing == 0, "\(m)x\(k)x\(n) accumulate=\(accumulate)")
        }
    }

    /// Row-major B read in place (C up to 128 columns wide, or B at most 400 rows deep: whole slivers and a
    /// narrow edge; a convolution's W · colᵀ, 144 and 288 deep) gives the bits of the same B stored transposed,
    /// which is packed.
    @Test(arguments: [(100, 784, 50), (30, 50, 64), (7, 300, 20), (13, 5, 128), (30, 25, 992), (20, 30, 130),
                      (16, 144, 784), (32, 288, 256), (16, 288, 196)])
    func bInPlaceMatchesPackedBits(m: Int, k: Int, n: Int) {
        var rng = SeededGenerator(seed: 5)
        let a = Tensor<Float>.randomNormal([m, k], using: &rng)
        let b = Tensor<Float>.randomNormal([k, n], using: &rng)
        let bt = Tensor<Float>(shape: [n, k], scalars: (0..<n * k).map { b.scalars[$0 % k * n + $0 / k] })
        func product(_ b: Tensor<Float>, transposed: Bool) -> [Float] {
            var c = Tensor<Float>.zeros([m, n])
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        Self.ownKernel(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, transposeA: false, b: pb.baseAddress!,
                                       ldb: transposed ? k : n, transposeB: transposed, c: pc.baseAddress!, ldc: n,
                                       accumulate: false)
                    }
                }
            }
            return c.scalars
        }
        #expect(product(b, transposed: false) == product(bt, transposed: true))
    }

    /// Splitting C across threads never splits a sum, so 1 and 2 threads agree to the bit.
    /// (50, 1600, 210) splits C's columns into pieces narrow enough to read A in place where one thread
    /// packs it; (60, 300, 994) has a dot-product column edge in the last piece. Each is above the
    /// size `ComputeThreads.parts` splits.
    @Test(arguments: [(300, 400, 500), (1000, 784, 50), (50, 400, 1000), (50, 1600, 210), (60, 300, 994)])
    func threadCountDoesNotChangeBits(m: Int, k: Int, n: Int) {
        var rng = SeededGenerator(seed: 7)
        let a = Tensor<Float>.randomNormal([m, k], using: &rng)
        let b = Tensor<Float>.randomNormal([k, n], using: &rng)
        #expect(Self.product(a, b, transposeB: false, threads: 1) == Self.product(a, b, transposeB: false, threads: 2))
    }

    /// A convolution's dW = doutᵀ · col (B stored transposed, 25 columns, thousands of products deep) splits C's
    /// columns rather than its rows, so that no two threads pack the same B: still the bits of one thread, and
    /// the reference's values.
    @Test func deepProductOfTransposedBAgreesAcrossThreadCounts() {
        let (m, k, n) = (30, 5_760, 25)
        var rng = SeededGenerator(seed: 11)
        let a = Tensor<Float>.randomNormal([m, k], using: &rng)
        let b = Tensor<Float>.randomNormal([n, k], using: &rng)
        #expect(Self.product(a, b, transposeB: true, threads: 1) == Self.product(a, b, transposeB: true, threads: 2))
        Self.check(Float.self, m: m, k: k, n: n, ta: false, tb: true, accumulate: true, threads: 2, tolerance: 1e-5)
    }

    /// a · op(b) through `gemm` with `threads`; b is stored (k, n), or (n, k) when `transposeB`.
    static func product(_ a: Tensor<Float>, _ b: Tensor<Float>, transposeB: Bool, threads: Int) -> [Float] {
        let (m, k) = (a.shape[0], a.shape[1]), n = transposeB ? b.shape[0] : b.shape[1]
        var c = Tensor<Float>.zeros([m, n])
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: transposeB ? k : n,
                         transposeB: transposeB, c: pc.baseAddress!, ldc: n, threads: threads)
                }
            }
        }
        return c.scalars
    }

    @Test func tensorProductsAgreeWithHandComputedValues() {
        let a = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor<Double>(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b) == Tensor(shape: [2, 2], scalars: [58, 64, 139, 154]))
        #expect(a.transposedMatmul(a) == Tensor(shape: [3, 3], scalars: [17, 22, 27, 22, 29, 36, 27, 36, 45]))
        #expect(a.matmulTransposed(a) == Tensor(shape: [2, 2], scalars: [14, 32, 32, 77]))
    }

    /// B given by the offsets of its rows (rows scattered through a larger buffer, in no order, as a padded image's
    /// windows are) gives the bits of the same B row-major, accumulating or not, A packed (C over 128 columns) or
    /// in place; where n leaves a last sliver of one to four columns, which row-major B sums as dot products,
    /// the values agree to rounding.
    @Test(arguments: [(16, 144, 840), (32, 288, 256), (64, 576, 63), (7, 30, 100), (5, 9, 19), (13, 40, 131)])
    func bByDepthOffsetsMatchesRowMajorB(m: Int, k: Int, n: Int) {
        var rng = SeededGenerator(seed: UInt64(m * 1000 + n))
        let a = Tensor<Float>.randomNormal([m, k], using: &rng)
        let b = Tensor<Float>.randomNormal([k, n], using: &rng)
        let c0 = Tensor<Float>.randomNormal([m, n], using: &rng)
        // Row p of B at offsets[p]: rows in reverse order, a gap of three values after each, and a vector's slack.
        let rowSpace = n + 3
        let offsets = (0..<k).map { (k - 1 - $0) * rowSpace + 1 }
        var flat = [Float](repeating: .nan, count: k * rowSpace + 17)
        for p in 0..<k { for j in 0..<n { flat[offsets[p] + j] = b[p, j] } }
        let narrowEdge = (1...4).contains(n % Float.Vector.scalarCount)
        for accumulate in [false, true] {
            var expected = c0, got = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    expected.withUnsafeMutableBufferPointer { pc in
                        Self.ownKernel(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, transposeA: false, b: pb.baseAddress!,
                                       ldb: n, transposeB: false, c: pc.baseAddress!, ldc: n, accumulate: accumulate)
                    }
                }
                flat.withUnsafeBufferPointer { pb in
                    offsets.withUnsafeBufferPointer { po in
                        got.withUnsafeMutableBufferPointer { pc in
                            gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, bDepthOffsets: po.baseAddress!,
                                 c: pc.baseAddress!, ldc: n, accumulate: accumulate)
                        }
                    }
                }
            }
            if narrowEdge {
                let worst = zip(got.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-3, "\(m)x\(k)x\(n) accumulate=\(accumulate): off by \(worst)")
            } else {
                #expect(got == expected, "\(m)x\(k)x\(n) accumulate=\(accumulate)")
            }
        }
    }
}
