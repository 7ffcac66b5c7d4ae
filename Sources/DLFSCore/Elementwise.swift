import RealModule

/// How the operands of a binary op line up under NumPy's broadcasting; every case but `general` is a fast
/// path that walks memory in order.
@usableFromInline
enum Broadcast {
    /// Equal shapes: element i meets element i.
    case sameShape
    /// One operand (right or left) holds a single element.
    case scalarRight, scalarLeft
    /// One operand (right or left) is a row vector, shape (…1, n), over the last axis (n) of the other.
    case rowRight, rowLeft
    /// Any other pair that broadcasts: both operands are read through strides.
    case general

    /// The case and the result shape for operands of shapes `a` and `b`; a precondition failure names both
    /// when they do not broadcast.
    @usableFromInline
    static func of(_ a: [Int], _ b: [Int]) -> (Broadcast, shape: [Int]) {
        if a == b { return (.sameShape, a) }
        guard let shape = Shape.broadcast(a, b) else { preconditionFailure("shapes \(a) and \(b) do not broadcast") }
        if b.reduce(1, *) == 1 { return (.scalarRight, shape) }
        if a.reduce(1, *) == 1 { return (.scalarLeft, shape) }
        if isRow(b, over: a) { return (.rowRight, shape) }
        if isRow(a, over: b) { return (.rowLeft, shape) }
        return (.general, shape)
    }

    /// All of `row`'s elements lie on its last axis, which matches the last axis of `other`; the result then
    /// has `other`'s elements in `other`'s order.
    static func isRow(_ row: [Int], over other: [Int]) -> Bool {
        guard let n = row.last, n == other.last else { return false }
        return row.reduce(1, *) == n
    }
}

/// The four operators of tensor arithmetic, so that one specialised function runs each of them.
@usableFromInline
enum Arithmetic { case add, subtract, multiply, divide }

extension Tensor {
    /// Applies `op` to every element. Always inlined, so that `op` is inlined into the loop: `arithmetic`
    /// calls it six times, too many for the optimiser's own choice, and through a pointer `op` costs ten times
    /// its work.
    @inlinable @inline(__always)
    public func map(_ op: (Scalar) -> Scalar) -> Tensor {
        withUnsafeBufferPointer { src in
            Tensor(shape: shape) { dst in for i in 0..<src.count { dst[i] = op(src[i]) } }
        }
    }

    /// Combines with `other` elementwise under NumPy's broadcasting: shapes align from the right, each pair of
    /// dimensions is equal or contains a 1, and the result has the larger of each (so (2, 3, 1) with (1, 4)
    /// gives (2, 3, 4)). Either operand may be the one that broadcasts.
    @inlinable
    public func zipWith(_ other: Tensor, _ op: (Scalar, Scalar) -> Scalar) -> Tensor {
        let (mode, resultShape) = Broadcast.of(shape, other.shape)
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                Tensor(shape: resultShape) { out in
                    switch mode {
                    case .sameShape: for i in 0..<out.count { out[i] = op(a[i], b[i]) }
                    case .scalarRight: let s = b[0]; for i in 0..<out.count { out[i] = op(a[i], s) }
                    case .scalarLeft: let s = a[0]; for i in 0..<out.count { out[i] = op(s, b[i]) }
                    case .rowRight: Tensor.zipRows(a, row: b, into: out, op)
                    case .rowLeft: Tensor.zipRows(b, row: a, into: out) { op($1, $0) }
                    case .general:
                        Tensor.zipStrided(a, shape, b, other.shape, into: out, shape: resultShape, op)
                    }
                }
            }
        }
    }

    /// out[r, c] = op(x[r, c], row[c]), with x seen as rows of `row.count` elements.
    @inlinable
    static func zipRows(
        _ x: UnsafeBufferPointer<Scalar>, row: UnsafeBufferPointer<Scalar>,
        into out: UnsafeMutableBufferPointer<Scalar>, _ op: (Scalar, Scalar) -> Scalar
    ) {
        let n = row.count
        for r in 0..<(x.count / Swift.max(n, 1)) {
            for c in 0..<n { out[r * n + c] = op(x[r * n + c], row[c]) }
        }
    }

    /// The general broadcast: each operand is read through strides that are 0 along its broadcast axes,
    /// one run along the last axis at a time.
    @inlinable
    static func zipStrided(
        _ a: UnsafeBufferPointer<Scalar>, _ aShape: [Int], _ b: UnsafeBufferPointer<Scalar>, _ bShape: [Int],
        into out: UnsafeMutableBufferPointer<Scalar>, shape: [Int], _ op: (Scalar, Scalar) -> Scalar
    ) {
        let sa = Shape.broadcastStrides(aShape, to: shape), sb = Shape.broadcastStrides(bShape, to: shape)
        let n = shape.last ?? 1, stepA = sa.last ?? 0, stepB = sb.last ?? 0
        Shape.forEachRow(shape, sa, sb) { row, oa, ob in
            for j in 0..<n { out[row * n + j] = op(a[oa + j * stepA], b[ob + j * stepB]) }
        }
    }

    /// Element-wise sum, broadcasting as NumPy does.
    @inlinable public static func + (a: Tensor, b: Tensor) -> Tensor { a.arithmetic(.add, b) }
    /// Element-wise difference, broadcasting as NumPy does.
    @inlinable public static func - (a: Tensor, b: Tensor) -> Tensor { a.arithmetic(.subtract, b) }
    /// Element-wise product, broadcasting as NumPy does.
    @inlinable public static func * (a: Tensor, b: Tensor) -> Tensor { a.arithmetic(.multiply, b) }
    /// Element-wise quotient, broadcasting as NumPy does.
    @inlinable public static func / (a: Tensor, b: Tensor) -> Tensor { a.arithmetic(.divide, b) }

    /// Adds a scalar to every element.
    @inlinable public static func + (a: Tensor, s: Scalar) -> Tensor { a.arithmetic(.add, s) }
    /// Subtracts a scalar from every element.
    @inlinable public static func - (a: Tensor, s: Scalar) -> Tensor { a.arithmetic(.subtract, s) }
    /// Multiplies every element by a scalar.
    @inlinable public static func * (a: Tensor, s: Scalar) -> Tensor { a.arithmetic(.multiply, s) }
    /// Divides every element by a scalar.
    @inlinable public static func / (a: Tensor, s: Scalar) -> Tensor { a.arithmetic(.divide, s) }
    /// A scalar plus every element.
    @inlinable public static func + (s: Scalar, a: Tensor) -> Tensor { a.arithmetic(.add, s, scalarFirst: true) }
    /// A scalar minus every element.
    @inlinable public static func - (s: Scalar, a: Tensor) -> Tensor { a.arithmetic(.subtract, s, scalarFirst: true) }
    /// A scalar times every element.
    @inlinable public static func * (s: Scalar, a: Tensor) -> Tensor { a.arithmetic(.multiply, s, scalarFirst: true) }
    /// A scalar divided by every element.
    @inlinable public static func / (s: Scalar, a: Tensor) -> Tensor { a.arithmetic(.divide, s, scalarFirst: true) }
    /// Every element negated.
    @inlinable public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// Adds `b` to `a` in place, without allocating a new tensor (the optimizers' updates).
    @inlinable public static func += (a: inout Tensor, b: Tensor) { a.formArithmetic(.add, b) }
    /// Subtracts `b` from `a` in place: the SGD step `w -= lr * grad`.
    @inlinable public static func -= (a: inout Tensor, b: Tensor) { a.formArithmetic(.subtract, b) }
    /// Multiplies every element of `a` by `s`.
    @inlinable public static func *= (a: inout Tensor, s: Scalar) { a = a * s }

    /// The operators' loops, specialised here rather than inlined into the caller: a caller in another
    /// module then runs them as DLFS compiled them, vectorised for this CPU, not with its own flags.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    func arithmetic(_ op: Arithmetic, _ other: Tensor) -> Tensor {
        switch op {
        case .add: zipWith(other, +)
        case .subtract: zipWith(other, -)
        case .multiply: zipWith(other, *)
        case .divide: zipWith(other, /)
        }
    }

    /// `self op s`, or `s op self` when `scalarFirst`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    func arithmetic(_ op: Arithmetic, _ s: Scalar, scalarFirst: Bool = false) -> Tensor {
        switch (op, scalarFirst) {
        case (.add, _): map { $0 + s }
        case (.multiply, _): map { $0 * s }
        case (.subtract, false): map { $0 - s }
        case (.subtract, true): map { s - $0 }
        case (.divide, false): map { $0 / s }
        case (.divide, true): map { s / $0 }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    mutating func formArithmetic(_ op: Arithmetic, _ other: Tensor) {
        switch op {
        case .add: formZip(other, +)
        case .subtract: formZip(other, -)
        case .multiply: formZip(other, *)
        case .divide: formZip(other, /)
        }
    }

    /// In place when the shapes are equal; otherwise `other` must broadcast to `self`'s shape.
    mutating func formZip(_ other: Tensor, _ op: (Scalar, Scalar) -> Scalar) {
        guard shape == other.shape else {
            precondition(Shape.broadcast(shape, other.shape) == shape,
                         "shape \(other.shape) does not broadcast to \(shape) in place")
            self = zipWith(other, op)
            return
        }
        other.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { a in for i in 0..<a.count { a[i] = op(a[i], b[i]) } }
        }
    }
}

/// Elementwise e^x.
@inlinable public func exp<S>(_ x: Tensor<S>) -> Tensor<S> { x.map { S.exp($0) } }
/// Elementwise natural logarithm.
@inlinable public func log<S>(_ x: Tensor<S>) -> Tensor<S> { x.map { S.log($0) } }
/// Elementwise square root.
@inlinable public func sqrt<S>(_ x: Tensor<S>) -> Tensor<S> { x.map { $0.squareRoot() } }
