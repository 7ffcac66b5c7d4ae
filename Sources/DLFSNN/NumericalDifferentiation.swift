import DLFSCore

/// The step the book uses for numerical differentiation: small, yet large enough not to vanish in rounding.
public let numericalStep = 1e-4

/// The derivative of `f` at `x` by the central difference (f(x + h) − f(x − h)) / 2h, h = 1e-4.
///
/// ```swift
/// numericalDiff({ 0.01 * ($0 * $0) + 0.1 * $0 }, at: 5.0)   // 0.1999999999990898
/// ```
@inlinable
public func numericalDiff<Scalar: TensorScalar>(_ f: (Scalar) throws -> Scalar, at x: Scalar) rethrows -> Scalar {
    let h = Scalar(numericalStep)
    return try (f(x + h) - f(x - h)) / (2 * h)
}

/// The gradient of `f` at `x` (any shape) by central differences, one element at a time, as the book's
/// `numerical_gradient`: each element is moved by +h then −h (h = `step`, the book's 1e-4) and restored exactly.
///
/// `f` is handed the perturbed tensor itself, so it must compute from its argument, not from some other
/// variable that merely shares storage with `x` (the book's closures rely on NumPy aliasing; Swift's value
/// semantics make that impossible, and this signature makes it unnecessary).
///
/// ```swift
/// numericalGradient(of: { $0[0] * $0[0] + $0[1] * $0[1] }, at: Tensor<Double>([3, 4]))   // ≈ [6, 8]
/// ```
public func numericalGradient<Scalar: TensorScalar>(
    of f: (Tensor<Scalar>) throws -> Scalar, at x: Tensor<Scalar>, step: Double = numericalStep
) rethrows -> Tensor<Scalar> {
    let h = Scalar(step)
    var x = x
    var grad = [Scalar](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let tmp = x.withUnsafeBufferPointer { $0[i] }
        x.withUnsafeMutableBufferPointer { $0[i] = tmp + h }
        let fxh1 = try f(x)
        x.withUnsafeMutableBufferPointer { $0[i] = tmp - h }
        let fxh2 = try f(x)
        grad[i] = (fxh1 - fxh2) / (2 * h)
        x.withUnsafeMutableBufferPointer { $0[i] = tmp }
    }
    return Tensor(shape: x.shape, scalars: grad)
}
