import DLFSCore

/// The activation and output functions of chapter 3, on whole tensors. The hot ones are specialised for
/// Float and Double, so a caller in another module runs them as compiled here.

/// 1 where x > 0, else 0: the perceptron's step function.
public func stepFunction<S>(_ x: Tensor<S>) -> Tensor<S> { x.map { $0 > 0 ? 1 : 0 } }

/// 1 / (1 + e⁻ˣ), vectorised, exact in form and finite for every input (see `TensorScalar.sigmoid`).
/// Computed in place when the caller hands over the only reference to `x`.
public func sigmoid<S>(_ x: consuming Tensor<S>) -> Tensor<S> { x.applying(sigmoid) }

/// max(0, x), in place when the caller hands over the only reference to `x`.
public func relu<S>(_ x: consuming Tensor<S>) -> Tensor<S> { x.applying(relu) }

/// tanh of every element, in place when the caller hands over the only reference to `x`.
public func tanh<S>(_ x: consuming Tensor<S>) -> Tensor<S> { x.applying(tanh) }

/// `count` values from `values` on through the sigmoid, in place: the kernel of `sigmoid(_:)`, which an
/// affine product also runs on each block of its output.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func sigmoid<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
    S.apply(values, count: count, .sigmoid)
}

/// max(0, x) over `count` values in place: the kernel of `relu(_:)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func relu<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
    for i in 0..<count { values[i] = Swift.max(values[i], 0) }
}

/// tanh over `count` values in place: the kernel of `tanh(_:)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func tanh<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
    for i in 0..<count { values[i] = S.tanh(values[i]) }
}

/// Softmax of each row (or of a vector): exp(x − max) / Σ exp(x − max). Subtracting the row maximum keeps
/// exp from overflowing (the book's `softmax` in `common/functions.py`) without changing the result.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func softmax<S>(_ x: Tensor<S>) -> Tensor<S> {
    let (rows, columns) = x.matrixShape
    var y = x
    y.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, rows: rows, columns: columns) }
    return y
}

/// Softmax of each of `rows` contiguous rows in place. The exponentials run over all rows in one pass: a
/// row of 10 classes is less than one vector, so row by row each would go through a padded vector.
@inlinable
public func softmaxRows<S: TensorScalar>(_ x: UnsafeMutablePointer<S>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = x + r * columns
        var m = -S.infinity
        for j in 0..<columns { m = Swift.max(m, row[j]) }
        for j in 0..<columns { row[j] -= m }
    }
    S.apply(x, count: rows * columns, .exp)
    for r in 0..<rows {
        let row = x + r * columns
        var sum: S = 0
        for j in 0..<columns { sum += row[j] }
        for j in 0..<columns { row[j] /= sum }
    }
}
