import RealModule

/// How the right operand of a binary op lines up with the left one.
@usableFromInline
enum Broadcast {
    case sameShape, scalar, row

    /// Same shape; a one-element tensor; or a row vector (shape (n) or (1, n)) over the rows of (m, n).
    @usableFromInline
    static func of(_ lhs: [Int], _ rhs: [Int]) -> Broadcast {
        if lhs == rhs { return .sameShape }
        if rhs.reduce(1, *) == 1 { return .scalar }
        if let columns = lhs.last, lhs.count == 2, rhs == [columns] || rhs == [1, columns] { return .row }
        preconditionFailure("shapes \(lhs) and \(rhs) do not broadcast")
    }
}

extension Tensor {
    /// Applies `op` to every element.
    @inlinable
    public func map(_ op: (Scalar) -> Scalar) -> Tensor {
        withUnsafeBufferPointer { src in
            Tensor(shape: shape) { dst in for i in 0..<src.count { dst[i] = op(src[i]) } }
        }
    }

    /// Combines with `other` elementwise; `other` may be the same shape, one element, or a row vector.
    @inlinable
    public func zipWith(_ other: Tensor, _ op: (Scalar, Scalar) -> Scalar) -> Tensor {
        let mode = Broadcast.of(shape, other.shape)
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                Tensor(shape: shape) { out in
                    switch mode {
                    case .sameShape: for i in 0..<a.count { out[i] = op(a[i], b[i]) }
                    case .scalar: let s = b[0]; for i in 0..<a.count { out[i] = op(a[i], s) }
                    case .row:
                        let n = b.count
                        for r in 0..<(a.count / Swift.max(n, 1)) {
                            for c in 0..<n { out[r * n + c] = op(a[r * n + c], b[c]) }
                        }
                    }
                }
            }
        }
    }

    @inlinable public static func + (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, +) }
    @inlinable public static func - (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, -) }
    @inlinable public static func * (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, *) }
    @inlinable public static func / (a: Tensor, b: Tensor) -> Tensor { a.zipWith(b, /) }

    @inlinable public static func + (a: Tensor, s: Scalar) -> Tensor { a.map { $0 + s } }
    @inlinable public static func - (a: Tensor, s: Scalar) -> Tensor { a.map { $0 - s } }
    @inlinable public static func * (a: Tensor, s: Scalar) -> Tensor { a.map { $0 * s } }
    @inlinable public static func / (a: Tensor, s: Scalar) -> Tensor { a.map { $0 / s } }
    @inlinable public static func + (s: Scalar, a: Tensor) -> Tensor { a.map { s + $0 } }
    @inlinable public static func - (s: Scalar, a: Tensor) -> Tensor { a.map { s - $0 } }
    @inlinable public static func * (s: Scalar, a: Tensor) -> Tensor { a.map { s * $0 } }
    @inlinable public static func / (s: Scalar, a: Tensor) -> Tensor { a.map { s / $0 } }
    @inlinable public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// In place, as the optimizers use them: `w -= lr * grad`.
    @inlinable public static func += (a: inout Tensor, b: Tensor) { a.formZip(b, +) }
    @inlinable public static func -= (a: inout Tensor, b: Tensor) { a.formZip(b, -) }
    @inlinable public static func *= (a: inout Tensor, s: Scalar) { a = a * s }

    @inlinable
    mutating func formZip(_ other: Tensor, _ op: (Scalar, Scalar) -> Scalar) {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
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
