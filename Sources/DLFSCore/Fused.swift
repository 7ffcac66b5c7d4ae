/// Operations fused into one pass over memory, for the hot paths of inference and training.
extension Tensor {
    /// x · W + b, with `activation` applied to each output row while it is still in cache:
    /// x is (n, k), W is (k, m), b is (m) → (n, m). The product runs in blocks of rows so each block's
    /// output is finished (bias, activation) before the next block is computed.
    public func affine(_ w: Tensor, _ b: Tensor, activation: Activation = .identity) -> Tensor {
        let (n, k) = matrixShape
        precondition(w.rank == 2 && w.shape[0] == k, "affine: input \(shape) does not fit weights \(w.shape)")
        let m = w.shape[1]
        precondition(b.count == m, "affine: bias \(b.shape) does not fit weights \(w.shape)")
        return withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { b in
                    Tensor(shape: [n, m]) { out in
                        affineRows(x: x.baseAddress!, n: n, k: k, w: w.baseAddress!, b: b.baseAddress!, m: m,
                                   out: out.baseAddress!, activation: activation)
                    }
                }
            }
        }
    }
}

/// The activation fused into `affine`'s output pass.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case identity, sigmoid, relu
}

/// out (n, m) = activation(x (n, k) · w (k, m) + b (m)), in blocks of rows split over the threads.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func affineRows<S: TensorScalar>(
    x: UnsafePointer<S>, n: Int, k: Int, w: UnsafePointer<S>, b: UnsafePointer<S>, m: Int,
    out: UnsafeMutablePointer<S>, activation: Activation, threads: Int = ComputeThreads.count
) {
    let threads = n * k * m < 2_000_000 ? 1 : max(threads, 1)
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
            biasActivation(c, rows: rows, columns: m, bias: b, activation)
        }
    }
}

/// c[r, j] = activation(c[r, j] + bias[j]) for every row.
@inlinable
public func biasActivation<S: TensorScalar>(
    _ c: UnsafeMutablePointer<S>, rows: Int, columns: Int, bias: UnsafePointer<S>, _ activation: Activation
) {
    for r in 0..<rows {
        let row = c + r * columns
        for j in 0..<columns { row[j] += bias[j] }
        switch activation {
        case .identity: break
        case .sigmoid: S.apply(row, count: columns, S.sigmoid)
        case .relu: for j in 0..<columns { row[j] = Swift.max(row[j], 0) }
        }
    }
}
