import Foundation
import Testing
@testable import DLFSCore

/// The vectorised exp and sigmoid against libm.
struct VectorKernelTests {
    @Test("The vector square root is the scalar one in every lane: zeros, subnormals, powers, inf, NaN")
    func squareRoot() {
        var rng = SeededGenerator(seed: 9)
        var floats: [Float] = [0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, 1, 2, 1e-30, 3e38, .infinity, -1, .nan]
        floats += (0..<21).map { _ in Float.random(in: 0..<1000, using: &rng) }
        for start in stride(from: 0, to: floats.count, by: 16) {
            let v = SIMD16<Float>((0..<16).map { floats[(start + $0) % floats.count] })
            let root = Float.squareRoot(v)
            #expect((0..<16).allSatisfy { root[$0].bitPattern == v[$0].squareRoot().bitPattern || (root[$0].isNaN && v[$0].squareRoot().isNaN) })
        }
        let doubles: [Double] = [0, .leastNonzeroMagnitude, 1e-300, 2, 7.5, 1e300, .infinity, -4]
        let d = Double.squareRoot(SIMD8(doubles))
        #expect((0..<8).allSatisfy { d[$0].bitPattern == doubles[$0].squareRoot().bitPattern || (d[$0].isNaN && doubles[$0] < 0) })
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
