import DLFSCore

/// The activation and output functions of chapter 3, on whole tensors. The hot ones are specialised for
/// Float and Double, so a caller in another module runs them as compiled here.

/// 1 where x > 0, else 0: the perceptron's step function.
public func stepFunction<S>(_ x: Tensor<S>) -> Tensor<S> { x.map { $0 > 0 ? 1 : 0 } }

/// 1 / (1 + e⁻ˣ), vectorised, exact in form and finite for every input (see `TensorScalar.sigmoid`).
/// Computed in place when the caller hands over the only reference to `x`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func sigmoid<S>(_ x: consuming Tensor<S>) -> Tensor<S> {
    var y = x
    y.withUnsafeMutableBufferPointer { S.apply($0.baseAddress!, count: $0.count, S.sigmoid) }
    return y
}

/// max(0, x), in place when the caller hands over the only reference to `x`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func relu<S>(_ x: consuming Tensor<S>) -> Tensor<S> {
    var y = x
    y.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = Swift.max(p[i], 0) } }
    return y
}

/// tanh of every element.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func tanh<S>(_ x: Tensor<S>) -> Tensor<S> { x.map { S.tanh($0) } }

/// Softmax of each row (or of a vector): exp(x − max) / Σ exp(x − max). Subtracting the row maximum keeps
/// exp from overflowing (the book's `softmax` in `common/functions.py`) without changing the result.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func softmax<S>(_ x: Tensor<S>) -> Tensor<S> {
    let (rows, columns) = x.matrixShape
    var y = x
    y.withUnsafeMutableBufferPointer { p in
        for r in 0..<rows { softmaxRow(p.baseAddress! + r * columns, count: columns) }
    }
    return y
}

/// Softmax of one row in place.
@inlinable
public func softmaxRow<S: TensorScalar>(_ row: UnsafeMutablePointer<S>, count: Int) {
    var m = -S.infinity
    for j in 0..<count { m = Swift.max(m, row[j]) }
    for j in 0..<count { row[j] -= m }
    S.apply(row, count: count, S.exp)
    var sum: S = 0
    for j in 0..<count { sum += row[j] }
    for j in 0..<count { row[j] /= sum }
}
