import DLFSCore
import Testing
@testable import DLFSNN

@Test(arguments: [
    // NumPy, the book's gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100)
    (0.1, [-6.111107928998789e-10, 8.148143905314271e-10]),
    (10.0, [-25898374737328.363, -1295248616896.5398]),
    (1e-10, [-2.999999939999995, 3.9999999199999934]),
    (0.01, [-0.39785866768397027, 0.5304782235783754]),
])
func gradientDescentMatchesNumPyBitForBit(learningRate: Double, expected: [Double]) {
    let result = gradientDescent(of: squareNorm, from: Tensor([-3.0, 4.0]), learningRate: learningRate, stepCount: 100)
    #expect(result.x.scalars == expected)
    #expect(result.path.count == 101)
    #expect(result.path.first?.scalars == [-3, 4])
    #expect(result.path.last == result.x)
}

@Test func gradientDescentPathFollowsTheUpdateRule() {
    let result = gradientDescent(of: squareNorm, from: Tensor([-3.0, 4.0]), learningRate: 0.1, stepCount: 3)
    for k in 1...3 {
        let previous = result.path[k - 1]
        let grad = numericalGradient(of: squareNorm, at: previous)
        #expect(result.path[k].scalars == [previous[0] - 0.1 * grad[0], previous[1] - 0.1 * grad[1]])
    }
}

@Test func gradientDescentWithAnAnalyticGradient() {
    // x ← x − 0.5 · 2x reaches the minimum in one step.
    let result = gradientDescent(from: Tensor([-3.0, 4.0]), learningRate: 0.5, stepCount: 2) { x in
        Tensor(x.scalars.map { 2 * $0 })
    }
    #expect(result.path.map(\.scalars) == [[-3, 4], [0, 0], [0, 0]])
}

@Test func zeroStepsReturnsTheStart() {
    let result = gradientDescent(of: squareNorm, from: Tensor([1.5, 2.5]), learningRate: 0.1, stepCount: 0)
    #expect(result.x.scalars == [1.5, 2.5] && result.path.count == 1)
}
