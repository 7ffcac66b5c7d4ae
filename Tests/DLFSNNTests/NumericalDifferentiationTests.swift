import DLFSCore
import Testing
@testable import DLFSNN

/// f(x₀, x₁) = x₀² + x₁², written as the book's `x[0]**2 + x[1]**2` (NumPy squares by one multiplication).
func squareNorm<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Scalar {
    x.withUnsafeBufferPointer { $0[0] * $0[0] + $0[1] * $0[1] }
}

@Test func numericalDiffMatchesTheBookExactly() {
    // 0.01x² + 0.1x, with x**2 a single multiplication as in Python.
    let f = { (x: Double) in 0.01 * (x * x) + 0.1 * x }
    #expect(numericalDiff(f, at: 5) == 0.1999999999990898)
    #expect(numericalDiff(f, at: 10) == 0.2999999999986347)
}

@Test(arguments: [
    // NumPy outputs of the book's numerical_gradient(function_2, np.array([...]))
    ([3.0, 4.0], [6.00000000000378, 7.999999999999119]),
    ([0.0, 2.0], [0.0, 4.000000000004]),
    ([3.0, 0.0], [6.000000000012662, 0.0]),
])
func numericalGradientMatchesNumPy(point: [Double], expected: [Double]) {
    let grad = numericalGradient(of: squareNorm, at: Tensor(point))
    #expect(grad.shape == [2])
    #expect(grad.scalars == expected)
}

@Test func numericalGradientOfAMatrix() {
    // NumPy: f(X) = np.sum(C * X**2), C = [[1,2,3],[4,5,6]], X = C * 0.5, through the book's nditer loop.
    let c: [Double] = [1, 2, 3, 4, 5, 6]
    let x = Tensor(shape: [2, 3], scalars: c.map { $0 * 0.5 })
    let grad = numericalGradient(of: { x in
        x.withUnsafeBufferPointer { x in
            var sum = -0.0
            for i in 0..<6 { sum += c[i] * (x[i] * x[i]) }
            return 0 + sum
        }
    }, at: x)
    #expect(grad.shape == [2, 3])
    #expect(grad.scalars == [0.9999999999621423, 3.9999999999906777, 9.000000000014552,
                             15.99999999996271, 25.000000000048317, 36.00000000012926])
}

@Test func numericalGradientHandsOverThePerturbedTensorAndLeavesTheInputAlone() {
    let x = Tensor<Double>([1, 2])
    var seen: [[Double]] = []
    _ = numericalGradient(of: { (t: Tensor<Double>) -> Double in
        seen.append(t.scalars)
        return 0
    }, at: x)
    #expect(seen == [[1.0001, 2], [0.9999, 2], [1, 2.0001], [1, 1.9999]])
    #expect(x.scalars == [1, 2])
}

@Test func numericalGradientInFloat() {
    // float32 rounding makes h = 1e-4 coarse (the book's point about rounding error), yet close.
    let grad = numericalGradient(of: squareNorm, at: Tensor<Float>([3, 4]))
    #expect(abs(grad[0] - 6) < 0.02 && abs(grad[1] - 8) < 0.02)
}

@Test func numericalGradientRethrows() {
    struct Stop: Error {}
    #expect(throws: Stop.self) {
        _ = try numericalGradient(of: { (_: Tensor<Double>) -> Double in throw Stop() }, at: Tensor([1]))
    }
}
