import Foundation
import Testing
@testable import DLFSCore

/// The vectorised exp and sigmoid against libm.
struct VectorKernelTests {
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
