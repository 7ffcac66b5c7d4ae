/// The register-blocked heart of GEMM: a (MR × NR) tile of C from an MR-row sliver of packed A and an
/// NR-column sliver of packed B, NR being one `S.Vector` (16 floats or 8 doubles).
///
/// Six rows of one vector each: 12 AVX2 registers (or 6 AVX-512 registers) of accumulators, two for B and
/// one broadcast of A. Each step p does C[r] += A[r, p] * B[p, :], fused when the target has FMA.
///
/// - a: packed (kc, MR), b: packed (kc, NR), c: tile origin in C with leading dimension ldc.
/// - rows, columns: how much of the tile is inside C (edges write through a scratch tile).
@inline(__always)
func microKernel<S: TensorScalar>(
    kc: Int, a: UnsafePointer<S>, b: UnsafePointer<S>,
    c: UnsafeMutablePointer<S>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
) {
    typealias V = S.Vector
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
    var pa = a
    let rawB = UnsafeRawPointer(b)
    let stride = MemoryLayout<V>.stride
    for p in 0..<kc {
        let bv = rawB.load(fromByteOffset: p * stride, as: V.self)
        c0.addProduct(V(repeating: pa[0]), bv)
        c1.addProduct(V(repeating: pa[1]), bv)
        c2.addProduct(V(repeating: pa[2]), bv)
        c3.addProduct(V(repeating: pa[3]), bv)
        c4.addProduct(V(repeating: pa[4]), bv)
        c5.addProduct(V(repeating: pa[5]), bv)
        pa += 6
    }
    let nr = V.scalarCount
    if rows == 6 && columns == nr {
        store(c0, c, accumulate); store(c1, c + ldc, accumulate); store(c2, c + 2 * ldc, accumulate)
        store(c3, c + 3 * ldc, accumulate); store(c4, c + 4 * ldc, accumulate); store(c5, c + 5 * ldc, accumulate)
    } else {
        let tile = [c0, c1, c2, c3, c4, c5]
        for r in 0..<rows {
            let row = c + r * ldc
            for j in 0..<columns { row[j] = accumulate ? row[j] + tile[r][j] : tile[r][j] }
        }
    }
}

@inline(__always)
private func store<V: SIMD>(_ v: V, _ c: UnsafeMutablePointer<V.Scalar>, _ accumulate: Bool)
where V.Scalar: FloatingPoint {
    let raw = UnsafeMutableRawPointer(c)
    raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: V.self) + v : v, as: V.self)
}

extension SIMD where Scalar: FloatingPoint {
    /// self += a * b, one fused multiply-add per lane when the target CPU has FMA.
    @inline(__always)
    mutating func addProduct(_ a: Self, _ b: Self) { self = addingProduct(a, b) }
}
