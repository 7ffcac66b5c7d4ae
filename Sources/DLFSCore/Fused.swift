/// The affine map with its bias added in the product's output pass, for the hot paths of inference and training.
extension Tensor {
    /// x · W + b: x is (n, k), W is (k, m), b is (m) → (n, m). The product runs in blocks of rows so each
    /// block's bias is added while the block is still in cache. `then`, when given, runs on each finished
    /// block (its first value and its count of values) on the thread that computed it: an elementwise
    /// activation that follows the product, done in the same pass and shared among the threads.
    public func affine(_ w: Tensor, _ b: Tensor, then epilogue: Epilogue<Scalar>? = nil) -> Tensor {
        let (n, k) = matrixShape
        precondition(w.rank == 2 && w.shape[0] == k, "affine: input \(shape) does not fit weights \(w.shape)")
        let m = w.shape[1]
        precondition(b.count == m, "affine: bias \(b.shape) does not fit weights \(w.shape)")
        return withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { b in
                    Tensor(shape: [n, m]) { out in
                        affineRows(x: x.baseAddress!, n: n, k: k, w: w.baseAddress!, b: b.baseAddress!, m: m,
                                   out: out.baseAddress!, then: epilogue)
                    }
                }
            }
        }
    }
}

/// An elementwise function applied in place to `count` values from the pointer on, as a product's last
/// step; called concurrently on disjoint blocks.
public typealias Epilogue<S> = (_ values: UnsafeMutablePointer<S>, _ count: Int) -> Void

extension Tensor {
    /// The tensor with `kernel` run over all its values: in place when the caller hands over the only
    /// reference to its storage, on a copy otherwise.
    public consuming func applying(_ kernel: Epilogue<Scalar>) -> Tensor {
        var y = self
        y.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.count) }
        return y
    }
}

/// out (n, m) = x (n, k) · w (k, m) + b (m), then `epilogue` on it, in blocks of rows split over the threads.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func affineRows<S: TensorScalar>(
    x: UnsafePointer<S>, n: Int, k: Int, w: UnsafePointer<S>, b: UnsafePointer<S>, m: Int,
    out: UnsafeMutablePointer<S>, threads: Int = ComputeThreads.count, then epilogue: Epilogue<S>? = nil
) {
    let threads = ComputeThreads.parts(multiplyAdds: n * k * m, threads: threads)
    // Blocks of at most 240 rows (240 rows of 50 floats stay in L1/L2), and at least one per thread, in
    // multiples of the micro-tile height. Rows never split a sum, so any split gives the same bits.
    let wanted = max((n + 239) / 240, min(threads, (n + 5) / 6))
    let block = ((n + wanted - 1) / wanted + 5) / 6 * 6
    let blocks = (n + block - 1) / block
    let perThread = (blocks + threads - 1) / threads
    parallelFor(min(threads, blocks)) { t in
        for blockIndex in (t * perThread)..<min(blocks, (t + 1) * perThread) {
            let r0 = blockIndex * block, rows = min(block, n - r0)
            let c = out + r0 * m
            gemm(m: rows, n: m, k: k, a: x + r0 * k, lda: k, b: w, ldb: m, c: c, ldc: m, threads: 1)
            addBias(c, rows: rows, columns: m, bias: b)
            epilogue?(c, rows * m)
        }
    }
}

/// c[r, j] += bias[j] for every row.
func addBias<S: TensorScalar>(_ c: UnsafeMutablePointer<S>, rows: Int, columns: Int, bias: UnsafePointer<S>) {
    for r in 0..<rows {
        let row = c + r * columns
        for j in 0..<columns { row[j] += bias[j] }
    }
}
