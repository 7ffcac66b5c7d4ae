/// Aligned, reference-counted element storage behind `Tensor`; never shared while being written.
@usableFromInline
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let count: Int

    /// Allocates `count` uninitialised elements on a 64-byte boundary (a cache line, an AVX-512 register).
    @usableFromInline
    init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Scalar>.stride, alignment: 64)
        base = raw.bindMemory(to: Scalar.self, capacity: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}

/// An n-dimensional array of `Float` or `Double`, row-major, with value semantics (copy-on-write).
/// Binary elementwise ops broadcast as NumPy's do, and reductions take any axis.
///
/// ```swift
/// var x = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// x = x * 2 + 1          // elementwise
/// let y = x.matmul(Tensor(shape: [3, 1], repeating: 1))   // (2, 1)
/// let z = x - x.max(axis: 1, keepingDimension: true)       // (2, 3) − (2, 1): each row minus its maximum
/// ```
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// The size of each axis; [] for a scalar.
    public let shape: [Int]
    @usableFromInline var storage: TensorStorage<Scalar>

    /// The number of elements, the product of `shape`.
    @inlinable public var count: Int { storage.count }
    /// The number of dimensions: 2 for a batch of rows, 4 for images (N, C, H, W).
    @inlinable public var rank: Int { shape.count }

    /// A tensor whose elements are not yet set; `body` must write all `count` of them.
    @inlinable
    public init(shape: [Int], unsafeUninitializedScalars body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void) rethrows {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
        try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    @usableFromInline
    init(shape: [Int], storage: TensorStorage<Scalar>) {
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of `shape` whose elements are not set, for a buffer that is overwritten on every call: on
    /// `workspace`'s storage when it has as many elements and nothing else shares it, else on new storage.
    /// Reusing a large buffer spares its allocation and the page faults of touching fresh memory.
    /// `workspace` is left nil; store the result back to keep it for the next call.
    @inlinable
    public static func reusing(_ workspace: inout Tensor?, shape: [Int]) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        if var old = workspace.take(), old.count == shape.reduce(1, *), isKnownUniquelyReferenced(&old.storage) {
            return Tensor(shape: shape, storage: old.storage)
        }
        return Tensor(shape: shape) { _ in }
    }

    /// A tensor with every element equal to `value`.
    @inlinable
    public init(shape: [Int], repeating value: Scalar) {
        self.init(shape: shape) { $0.initialize(repeating: value) }
    }

    /// All zeros.
    @inlinable
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// A tensor from row-major `scalars`; their count must match the shape.
    @inlinable
    public init<C: Collection>(shape: [Int], scalars: C) where C.Element == Scalar {
        let n = shape.reduce(1, *)
        precondition(scalars.count == n, "shape \(shape) needs \(n) scalars, got \(scalars.count)")
        self.init(shape: shape) { buffer in _ = buffer.initialize(from: scalars) }
    }

    /// A rank-1 tensor.
    @inlinable
    public init(_ scalars: [Scalar]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// The elements in row-major order.
    @inlinable public var scalars: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    /// Calls `body` with the elements, row-major.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// Gives mutable access, copying the storage first if another tensor shares it.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage<Scalar>(uninitializedCount: storage.count)
            copy.base.initialize(from: storage.base, count: storage.count)
            storage = copy
        }
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    /// Element at a full index, e.g. `x[1, 2]`.
    @inlinable
    public subscript(indices: Int...) -> Scalar {
        get { storage.base[offset(of: indices)] }
        set {
            let o = offset(of: indices)
            withUnsafeMutableBufferPointer { $0[o] = newValue }
        }
    }

    @inlinable
    func offset(of indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "index \(indices) does not fit shape \(shape)")
        var o = 0
        for (i, d) in zip(indices, shape) {
            precondition(i >= 0 && i < d, "index \(indices) is out of bounds for shape \(shape)")
            o = o * d + i
        }
        return o
    }

    /// Rows and columns of a rank-2 tensor (a rank-1 tensor counts as one row).
    @inlinable
    public var matrixShape: (rows: Int, columns: Int) {
        switch rank {
        case 1: return (1, shape[0])
        case 2: return (shape[0], shape[1])
        default: preconditionFailure("expected a matrix, got shape \(shape)")
        }
    }

    /// The same elements under a new shape of equal count; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: resolved, storage: storage)
    }

    /// Converts every element to another scalar type.
    public func converted<Other: TensorScalar>(to _: Other.Type = Other.self) -> Tensor<Other> {
        withUnsafeBufferPointer { src in
            Tensor<Other>(shape: shape) { dst in
                for i in 0..<src.count { dst[i] = Other(src[i]) }
            }
        }
    }
}

extension Tensor: Equatable {
    /// Equal shapes and equal elements.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        return lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and type on one line, then the values nested by axis as NumPy prints an array: rows on
    /// lines of their own, and beyond 1,000 elements only the first and last three along each axis.
    ///
    ///     Tensor<Float>(shape: [2, 3])
    ///     [[1.0, 2.0, 3.0],
    ///      [4.0, 5.0, 6.0]]
    public var description: String {
        let values = scalars
        let elided = count > 1000
        func render(_ axis: Int, _ offset: Int) -> String {
            guard axis < rank else { return "\(values[offset])" }
            let length = shape[axis], stride = shape[(axis + 1)...].reduce(1, *)
            let indices: [Int?] = elided && length > 6 ? [0, 1, 2, nil, length - 3, length - 2, length - 1] : (0..<length).map { $0 }
            let parts = indices.map { index in index.map { render(axis + 1, offset + $0 * stride) } ?? "..." }
            // The innermost axis on one line; outer axes one part per line, blank lines between blocks.
            let separator = axis == rank - 1 ? ", " : "," + String(repeating: "\n", count: rank - 1 - axis) + String(repeating: " ", count: axis + 1)
            return "[" + parts.joined(separator: separator) + "]"
        }
        return "Tensor<\(Scalar.self)>(shape: \(shape))\n" + render(0, 0)
    }
}
