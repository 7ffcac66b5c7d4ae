import DLFS
import Foundation
import Testing

/// The listings of Kernels.md, run as they are written there.
@Suite("Kernels: the GEMM article")
struct KernelsTests {
    @Test("matmul agrees with the reference triple loop; the timing listing runs")
    func gemm() throws {
        var rng = SeededGenerator(seed: 1)
        let a = Tensor<Float>.randomNormal([300, 200], using: &rng)
        let b = Tensor<Float>.randomNormal([200, 100], using: &rng)
        let fast = a.matmul(b)
        var reference = [Float](repeating: 0, count: 300 * 100)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                referenceGEMM(m: 300, n: 100, k: 200, a: a.baseAddress!, lda: 200, transposeA: false,
                              b: b.baseAddress!, ldb: 100, transposeB: false,
                              c: &reference, ldc: 100, accumulate: false)
            }
        }
        let worst = zip(fast.scalars, reference).map { abs($0 - $1) }.max()!
        print(worst)   // a few 1e-6
        let clock = ContinuousClock()
        let repeats = 20
        let elapsed = clock.measure {
            for _ in 0..<repeats { _ = a.matmul(b) }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("\(2.0 * 300 * 200 * 100 * Double(repeats) / seconds / 1e9) GFLOP/s")
        #expect(fast.shape == [300, 100] && worst < 1e-4, "\(worst)")
        #expect(elapsed > .zero && seconds > 0)
    }
}
