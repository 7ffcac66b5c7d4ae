/// The register-blocked heart of GEMM: a (MR × NR) tile of C from MR rows of A and an NR-column sliver of
/// packed B, NR being one `S.Vector` (16 floats or 8 doubles).
///
/// Six rows of one vector each: 12 AVX2 registers (or 6 AVX-512 registers) of accumulators, two for B and
/// one broadcast of A. Each step p does C[r] += A[r, p] * B[p, :], fused when the target has FMA.
///
/// A is read through strides, so the same kernel runs on packed A (row stride 1, depth stride MR) and on
/// A in place (row-major: lda and 1; transposed: 1 and lda). The arithmetic is the same either way, so
/// packing or not never changes a bit of the result.
///
/// - a: A(0, 0) of the tile; element (r, p) is at a[r * rowStride + p * depthStride].
/// - b: packed (kc, NR); c: tile origin in C with leading dimension ldc.
/// - rows, columns: how much of the tile is inside C. Rows past `rows` read row `rows - 1` again (never
///   past the end of A) and are dropped; edges write through a scratch tile.
@inline(__always)
@_specialize(where S == Float)
@_specialize(where S == Double)
func microKernel<S: TensorScalar>(
    kc: Int, a: UnsafePointer<S>, rowStride: Int, depthStride: Int, b: UnsafePointer<S>,
    c: UnsafeMutablePointer<S>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
) {
    typealias V = S.Vector
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
    let last = rows - 1
    let a0 = a, a1 = a + min(1, last) * rowStride, a2 = a + min(2, last) * rowStride
    let a3 = a + min(3, last) * rowStride, a4 = a + min(4, last) * rowStride, a5 = a + min(5, last) * rowStride
    let rawB = UnsafeRawPointer(b)
    let stride = MemoryLayout<V>.stride
    var offset = 0
    for p in 0..<kc {
        let bv = rawB.load(fromByteOffset: p * stride, as: V.self)
        c0 = c0.addingProduct(V(repeating: a0[offset]), bv)
        c1 = c1.addingProduct(V(repeating: a1[offset]), bv)
        c2 = c2.addingProduct(V(repeating: a2[offset]), bv)
        c3 = c3.addingProduct(V(repeating: a3[offset]), bv)
        c4 = c4.addingProduct(V(repeating: a4[offset]), bv)
        c5 = c5.addingProduct(V(repeating: a5[offset]), bv)
        offset += depthStride
    }
    if rows == 6 && columns == V.scalarCount {
        store(c0, c, accumulate); store(c1, c + ldc, accumulate); store(c2, c + 2 * ldc, accumulate)
        store(c3, c + 3 * ldc, accumulate); store(c4, c + 4 * ldc, accumulate); store(c5, c + 5 * ldc, accumulate)
    } else {
        storeEdge((c0, c1, c2, c3, c4, c5), c, ldc: ldc, rows: rows, columns: columns, accumulate)
    }
}

@inline(__always)
private func store<V: SIMD>(_ v: V, _ c: UnsafeMutablePointer<V.Scalar>, _ accumulate: Bool)
where V.Scalar: FloatingPoint {
    let raw = UnsafeMutableRawPointer(c)
    raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: V.self) + v : v, as: V.self)
}

/// The part of a tile that lies inside C, through a scratch copy on the stack (no heap allocation: tiny
/// products are mostly edges).
@inline(never)
private func storeEdge<V: SIMD>(
    _ tile: (V, V, V, V, V, V), _ c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, columns: Int,
    _ accumulate: Bool
) where V.Scalar: FloatingPoint {
    withUnsafeBytes(of: tile) { raw in
        for r in 0..<rows {
            let row = c + r * ldc
            let source = (raw.baseAddress! + r * MemoryLayout<V>.stride).assumingMemoryBound(to: V.Scalar.self)
            if accumulate {
                for j in 0..<columns { row[j] += source[j] }
            } else {
                row.update(from: source, count: columns)
            }
        }
    }
}
