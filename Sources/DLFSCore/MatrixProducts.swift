/// Matrix products of rank-2 tensors, with either operand transposed in place.
extension Tensor {
    /// self · other: (m, k) · (k, n) → (m, n). `np.dot(x, W)`.
    public func matmul(_ other: Tensor) -> Tensor { Tensor.product(self, false, other, false) }

    /// selfᵀ · other: (k, m)ᵀ · (k, n) → (m, n). `np.dot(x.T, dy)` in a backward pass.
    public func transposedMatmul(_ other: Tensor) -> Tensor { Tensor.product(self, true, other, false) }

    /// self · otherᵀ: (m, k) · (n, k)ᵀ → (m, n). `np.dot(dy, W.T)` in a backward pass.
    public func matmulTransposed(_ other: Tensor) -> Tensor { Tensor.product(self, false, other, true) }

    static func product(_ a: Tensor, _ ta: Bool, _ b: Tensor, _ tb: Bool) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matrix product needs two matrices, got shapes \(a.shape) and \(b.shape)")
        let (m, ka) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = tb ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(ka == kb, "matrix product of shapes \(a.shape)\(ta ? "ᵀ" : "") and \(b.shape)\(tb ? "ᵀ" : "") does not fit")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Tensor(shape: [m, n]) { pc in
                    gemm(m: m, n: n, k: ka, a: pa.baseAddress!, lda: a.shape[1], transposeA: ta,
                         b: pb.baseAddress!, ldb: b.shape[1], transposeB: tb,
                         c: pc.baseAddress!, ldc: n)
                }
            }
        }
    }
}
