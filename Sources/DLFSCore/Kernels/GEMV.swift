/// One row through a weight matrix, for single-image inference where a GEMM's packing costs more than
/// the product: y (m) = x (k) · w (k, m).
///
/// Each x[i] scales one contiguous row of w, vectorised across the outputs, with up to 64 outputs held
/// in registers over the whole of k. With `skippingZeros`, rows of w whose input is exactly 0 are not
/// read: exact when w is finite (0 · w = 0), and about 80% of an MNIST digit's pixels are 0. The nonzero
/// inputs are listed once, without branches, so the product loops do not mispredict on them.
/// `referenceGEMM` with m = 1 is its naive counterpart (tested together in GEMMTests).
@_specialize(where S == Float)
@_specialize(where S == Double)
public func gemv<S: TensorScalar>(
    x: UnsafePointer<S>, k: Int, w: UnsafePointer<S>, m: Int,
    y: UnsafeMutablePointer<S>, skippingZeros: Bool = false
) {
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: k) { rows in
        var used = 0
        if skippingZeros {
            for i in 0..<k {
                rows[used] = Int32(truncatingIfNeeded: i)
                used &+= x[i] != 0 ? 1 : 0
            }
        } else {
            for i in 0..<k { rows[i] = Int32(truncatingIfNeeded: i) }
            used = k
        }
        gemvRows(x: x, rows: UnsafeBufferPointer(rebasing: rows[..<used]), w: w, m: m, y: y)
    }
}

/// y (m) = Σ over the listed rows i of x[i] · w[i, :].
@inline(__always)
private func gemvRows<S: TensorScalar>(
    x: UnsafePointer<S>, rows: UnsafeBufferPointer<Int32>, w: UnsafePointer<S>, m: Int, y: UnsafeMutablePointer<S>
) {
    typealias V = S.Vector
    let width = V.scalarCount
    let raw = UnsafeRawPointer(w), stride = MemoryLayout<S>.stride
    @inline(__always) func load(_ row: Int, _ column: Int) -> V {
        raw.loadUnaligned(fromByteOffset: (row * m + column) * stride, as: V.self)
    }
    @inline(__always) func store(_ v: V, _ column: Int) {
        UnsafeMutableRawPointer(y).storeBytes(of: v, toByteOffset: column * stride, as: V.self)
    }
    var j = 0
    while j + 4 * width <= m {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        for r in rows {
            let i = Int(r), v = V(repeating: x[i])
            a0 = a0.addingProduct(v, load(i, j)); a1 = a1.addingProduct(v, load(i, j + width))
            a2 = a2.addingProduct(v, load(i, j + 2 * width)); a3 = a3.addingProduct(v, load(i, j + 3 * width))
        }
        store(a0, j); store(a1, j + width); store(a2, j + 2 * width); store(a3, j + 3 * width)
        j += 4 * width
    }
    let full = (m - j) / width
    if full > 0 {
        // The remaining whole vectors (one to three) in one pass over the rows.
        var a0 = V(), a1 = V(), a2 = V()
        for r in rows {
            let i = Int(r), v = V(repeating: x[i])
            a0 = a0.addingProduct(v, load(i, j))
            if full > 1 { a1 = a1.addingProduct(v, load(i, j + width)) }
            if full > 2 { a2 = a2.addingProduct(v, load(i, j + 2 * width)) }
        }
        store(a0, j)
        if full > 1 { store(a1, j + width) }
        if full > 2 { store(a2, j + 2 * width) }
        j += full * width
    }
    // The last m mod width columns.
    guard j < m else { return }
    for c in j..<m { y[c] = 0 }
    for r in rows {
        let i = Int(r), xi = x[i], row = w + i * m
        for c in j..<m { y[c] += xi * row[c] }
    }
}
