import Foundation
import Testing
@testable import DLFSCore

/// The single-row layer and the vectorised exp/sigmoid against their naive counterparts.
struct VectorKernelTests {
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
        for activation in Activation.allCases {
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
        for activation in Activation.allCases {
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

    @Test("Vector exp and sigmoid agree with libm over the whole range, finite at the ends")
    func expAndSigmoid() {
        let inputs: [Double] = [-1000, -745, -100, -87.5, -30, -1, -1e-8, -0.0, 0, 1e-8, 0.5, 1, 20, 88, 100, 1000]
        for chunk in stride(from: 0, to: inputs.count, by: 8) {
            let xd = SIMD8<Double>((0..<8).map { inputs[chunk + $0] })
            let ed = Double.exp(xd), sd = Double.sigmoid(xd)
            let xf = SIMD16<Float>((0..<16).map { Float(inputs[(chunk + $0) % inputs.count]) })
            let ef = Float.exp(xf), sf = Float.sigmoid(xf)
            for lane in 0..<8 {
                let x = xd[lane]
                let sigmoid = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
                // Within the range where exp is not clamped, relative error of a few ulp; beyond it, the
                // true value underflows and the result need only be tiny, positive and finite.
                if abs(x) <= 700 {
                    #expect(abs(sd[lane] - sigmoid) <= 4e-16 * sigmoid, "sigmoid(\(x))")
                    #expect(abs(ed[lane] / Foundation.exp(x) - 1) <= 4e-16, "exp(\(x))")
                } else {
                    #expect(sd[lane].isFinite && sd[lane] >= 0 && abs(sd[lane] - sigmoid) <= 1e-300, "sigmoid(\(x))")
                }
                let xs = Float(x), sigmoidF = Float(sigmoid)
                if abs(xs) <= 80 {
                    #expect(abs(sf[lane] - sigmoidF) <= 4e-7 * sigmoidF, "Float sigmoid(\(xs))")
                    #expect(abs(ef[lane] / Foundation.expf(xs) - 1) <= 4e-7, "Float exp(\(xs))")
                } else {
                    #expect(sf[lane].isFinite && sf[lane] >= 0 && abs(sf[lane] - sigmoidF) <= 1e-37, "Float sigmoid(\(xs))")
                }
            }
        }
    }
}
