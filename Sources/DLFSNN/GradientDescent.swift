import DLFSCore

/// The outcome of `gradientDescent`: the last point and every point visited.
public struct GradientDescentResult<Scalar: TensorScalar>: Sendable {
    /// The point after the last step.
    public var x: Tensor<Scalar>
    /// `path[0]` is the start and `path[k]` the point after `k` steps, so `path.last == x`. (The book's
    /// `x_history` stops one point short, before the last update.)
    public var path: [Tensor<Scalar>]
}

/// Gradient descent: `stepCount` times, x ← x − learningRate · ∇f(x), with the numerical gradient of `f`.
///
/// The update is computed as the book's `x -= lr * grad`, element by element, so the results round exactly
/// as NumPy's: from (−3, 4) on x₀² + x₁², lr 0.1 for 100 steps ends at (−6.111107928998789e-10,
/// 8.148143905314271e-10).
public func gradientDescent<Scalar: TensorScalar>(
    of f: (Tensor<Scalar>) throws -> Scalar,
    from initX: Tensor<Scalar>,
    learningRate: Scalar = 0.01,
    stepCount: Int = 100
) rethrows -> GradientDescentResult<Scalar> {
    try gradientDescent(from: initX, learningRate: learningRate, stepCount: stepCount) { x in
        try numericalGradient(of: f, at: x)
    }
}

/// Gradient descent with a given gradient function (an analytic or backpropagated one).
public func gradientDescent<Scalar: TensorScalar>(
    from initX: Tensor<Scalar>,
    learningRate: Scalar,
    stepCount: Int,
    gradient: (Tensor<Scalar>) throws -> Tensor<Scalar>
) rethrows -> GradientDescentResult<Scalar> {
    precondition(stepCount >= 0, "gradientDescent: stepCount must not be negative, got \(stepCount)")
    var x = initX
    var path = [x]
    path.reserveCapacity(stepCount + 1)
    for _ in 0..<stepCount {
        let grad = try gradient(x)
        precondition(grad.shape == x.shape, "gradientDescent: gradient has shape \(grad.shape), x has \(x.shape)")
        grad.withUnsafeBufferPointer { g in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<x.count { x[i] -= learningRate * g[i] }
            }
        }
        path.append(x)
    }
    return GradientDescentResult(x: x, path: path)
}
