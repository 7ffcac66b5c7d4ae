/// Shape arithmetic shared by broadcasting, reductions and transposes: strides, NumPy's broadcast rule,
/// axis normalisation, and a row-major walk over strided operands.
@usableFromInline
enum Shape {
    /// Row-major strides: the element step along each axis, e.g. (2, 3, 4) → (12, 4, 1).
    @inlinable
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// NumPy's broadcast shape: align from the right; each pair of dimensions must be equal or contain a 1,
    /// and the result takes the larger. Nil when the shapes do not broadcast.
    @usableFromInline
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            result[i] = x == 1 ? y : x
        }
        return result
    }

    /// Strides that read an operand of `shape` as if it had the broadcast shape `target`: axes it lacks or
    /// holds as 1 get stride 0, so the same element is read along them.
    @usableFromInline
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let lead = target.count - shape.count
        return target.indices.map { i in
            i < lead || shape[i - lead] == 1 ? 0 : own[i - lead]
        }
    }

    /// `axis` in 0..<rank, counting a negative axis from the end as NumPy does (-1 is the last axis).
    @usableFromInline
    static func axis(_ axis: Int, rank: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "axis \(axis) is out of range for rank \(rank)")
        return resolved
    }

    /// Walks the rows of `shape` (every axis but the last) in row-major order and calls `body` with the row
    /// number and the offsets of that row in two operands read through strides `a` and `b`.
    /// An odometer over the leading axes keeps each step to a few additions.
    @inlinable
    static func forEachRow(_ shape: [Int], _ a: [Int], _ b: [Int], _ body: (_ row: Int, _ a: Int, _ b: Int) -> Void) {
        guard !shape.contains(0) else { return }
        let leading = Swift.max(shape.count - 1, 0)
        var index = [Int](repeating: 0, count: leading)
        var offsetA = 0, offsetB = 0
        for row in 0..<shape.prefix(leading).reduce(1, *) {
            body(row, offsetA, offsetB)
            var axis = leading - 1
            while axis >= 0 {
                index[axis] += 1
                offsetA += a[axis]
                offsetB += b[axis]
                if index[axis] < shape[axis] { break }
                offsetA -= a[axis] * shape[axis]
                offsetB -= b[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
