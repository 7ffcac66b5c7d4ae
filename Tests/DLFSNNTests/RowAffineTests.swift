@testable import DLFSCore
import DLFSNN
import Testing

/// The single-row layer of the chapter-3 net against the reference product and the GEMM.
struct RowAffineTests {
    @Test("RowAffine equals the reference product of one row plus bias, with each activation, with and without skipping zeros",
          arguments: [(1, 1), (9, 10), (784, 50), (50, 100), (100, 10), (31, 64), (5, 83), (17, 130), (4, 16), (3, 48)])
    func rowAffineMatchesReference(k: Int, m: Int) {
        for type in [Float.self, Double.self] as [any TensorScalar.Type] { check(type, k: k, m: m) }
    }

    func check<S: TensorScalar>(_: S.Type, k: Int, m: Int) {
        var rng = SeededGenerator(seed: UInt64(k * 1000 + m))
        var x = Tensor<S>.randomUniform([1, k], in: -1..<1, using: &rng)
        x.withUnsafeMutableBufferPointer { p in for i in stride(from: 0, to: k, by: 3) { p[i] = 0 } }
        let w = Tensor<S>.randomUniform([k, m], in: -1..<1, using: &rng)
        let b = Tensor<S>.randomUniform([m], in: -1..<1, using: &rng)
        var product = Tensor<S>.zeros([1, m])
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in product.withUnsafeMutableBufferPointer { pc in
            referenceGEMM(m: 1, n: m, k: k, a: px.baseAddress!, lda: k, transposeA: false, b: pw.baseAddress!, ldb: m,
                          transposeB: false, c: pc.baseAddress!, ldc: m, accumulate: false)
        }}}
        for activation in RowAffine<S>.Activation.allCases {
            let layer = RowAffine(weights: w, bias: b, activation: activation)
            #expect(layer.paddedOutputs % S.HalfVector.scalarCount == 0 && layer.paddedOutputs - m < S.HalfVector.scalarCount)
            for skipping in [false, true] {
                var y = [S](repeating: .nan, count: layer.paddedOutputs)
                x.withUnsafeBufferPointer { px in layer.apply(px.baseAddress!, to: &y, skippingZeros: skipping) }
                for j in 0..<m {
                    let z = product[0, j] + b[j]
                    let expected = switch activation {
                    case .identity: z
                    case .sigmoid: 1 / (1 + S.exp(-z))
                    case .relu: max(z, 0)
                    }
                    #expect(abs(y[j] - expected) <= S(k + 1) * S.ulpOfOne * 4,
                            "\(S.self) k \(k) m \(m) \(activation) column \(j)")
                }
            }
        }
    }

    @Test("RowAffine over bytes gives the bits of RowAffine over the converted row", arguments: [784, 100, 40, 13, 8, 1])
    func rowAffineOverBytes(k: Int) {
        var rng = SeededGenerator(seed: UInt64(k))
        let layer = RowAffine(weights: Tensor<Float>.randomUniform([k, 50], in: -1..<1, using: &rng),
                              bias: Tensor<Float>.randomUniform([50], in: -1..<1, using: &rng), activation: .sigmoid)
        let values = (0..<256).map { Float($0) / 255 }
        // About a fifth of the bytes nonzero, some in runs, as in a digit, and blank stretches of over 32
        // bytes, as in a digit's first and last rows; the 32-byte blocks at 96 and 480 have ink only in
        // their last and first 8 bytes.
        let bytes = (0..<k).map { (i: Int) -> UInt8 in
            let blank = (i < 120 && k > 100) || (400..<480).contains(i) || (488..<540).contains(i)
            let inked = i % 5 == 0 || (i / 9) % 4 == 1
            return inked && !blank ? UInt8(truncatingIfNeeded: 37 * i + 1) : 0
        }
        let floats = bytes.map { values[Int($0)] }
        var fromBytes = [Float](repeating: .nan, count: layer.paddedOutputs), fromFloats = fromBytes
        bytes.withUnsafeBufferPointer { b in values.withUnsafeBufferPointer { v in
            layer.apply(bytes: b.baseAddress!, values: v.baseAddress!, to: &fromBytes)
        }}
        floats.withUnsafeBufferPointer { layer.apply($0.baseAddress!, to: &fromFloats, skippingZeros: true) }
        #expect(fromBytes.map(\.bitPattern) == fromFloats.map(\.bitPattern))
        #expect(fromFloats.prefix(50).allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test("RowAffine over a block of rows through the GEMM agrees with one row at a time, padding lanes included",
          arguments: [(50, 100), (100, 10), (784, 50), (5, 83), (3, 48)])
    func rowAffineBlock(k: Int, m: Int) {
        for type in [Float.self, Double.self] as [any TensorScalar.Type] { checkBlock(type, k: k, m: m) }
    }

    func checkBlock<S: TensorScalar>(_: S.Type, k: Int, m: Int) {
        var rng = SeededGenerator(seed: UInt64(k * 7 + m))
        let rows = 13, xStride = k + 3
        let x = Tensor<S>.randomUniform([rows, xStride], in: -2..<2, using: &rng)
        let w = Tensor<S>.randomUniform([k, m], in: -1..<1, using: &rng)
        let b = Tensor<S>.randomUniform([m], in: -1..<1, using: &rng)
        for activation in RowAffine<S>.Activation.allCases {
            let layer = RowAffine(weights: w, bias: b, activation: activation)
            let yStride = layer.paddedOutputs + 5
            var block = [S](repeating: .nan, count: rows * yStride)
            var single = [S](repeating: .nan, count: layer.paddedOutputs)
            x.withUnsafeBufferPointer { px in
                block.withUnsafeMutableBufferPointer { y in
                    layer.apply(rows: rows, px.baseAddress!, xStride: xStride, to: y.baseAddress!, yStride: yStride)
                }
                for r in 0..<rows {
                    layer.apply(px.baseAddress! + r * xStride, to: &single)
                    for j in 0..<layer.paddedOutputs {
                        // The two sum in different orders: a few ulp of the sum of |x · w| apart.
                        #expect(abs(block[r * yStride + j] - single[j]) <= S(k + 1) * S.ulpOfOne * 8,
                                "\(S.self) k \(k) m \(m) \(activation) row \(r) column \(j)")
                    }
                    let past = block[(r * yStride + layer.paddedOutputs)..<((r + 1) * yStride)]
                    #expect(past.allSatisfy { $0.isNaN }, "nothing written past paddedOutputs")
                }
            }
        }
    }
}
