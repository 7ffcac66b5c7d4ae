/// C (m, n) = A (m, k) · Bᵀ, plus C's old value when `accumulate`, where A's m rows and B's n rows both run
/// contiguously along k: every C(i, j) is the dot product of row i of A with row j of B.
///
/// A convolution's weight gradient has this shape (colᵀᵢ · doutᵢᵀ: both keep an image's positions
/// contiguous). `gemm` would pack one operand transposed first, which, with a few dozen rows on the other
/// side, costs more than the multiply-adds; here both rows stream from where they are. Blocks of rows of A
/// by rows of B (`DotBlock`) keep their vector sums in registers along k, reduced at the end; each C(i, j)
/// is summed in the same order whatever block it falls in, and the rows may be split among threads freely.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func dotProducts<S: TensorScalar>(
    m: Int, n: Int, k: Int, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool = false
) {
    // A block's rows of B stay in L1 while every row of A passes them.
    let (blockRows, blockColumns) = (DotBlock.rows, DotBlock.columns)
    for j in stride(from: 0, to: n, by: blockColumns) {
        for i in stride(from: 0, to: m, by: blockRows) {
            dotBlock(rows: min(blockRows, m - i), columns: min(blockColumns, n - j), k: k, a: a + i * lda,
                     lda: lda, b: b + j * ldb, ldb: ldb, c: c + i * ldc + j, ldc: ldc, accumulate: accumulate)
        }
    }
}

/// The shape of `dotProducts`' blocks: as many sums as the registers hold beside the loaded rows. A sum is
/// one `S.Vector`, a register with AVX-512 but two with AVX2 and four with NEON, where twelve would spill.
enum DotBlock {
    #if AVX512
    static let rows = 3, columns = 4
    #else
    static let rows = 2, columns = 3
    #endif
}

/// C(0..<rows, 0..<columns) of one block, at most `DotBlock`'s. Missing rows and columns repeat the last
/// one, so the loop is always whole; only the real ones are written.
@inline(__always)
private func dotBlock<S: TensorScalar>(
    rows: Int, columns: Int, k: Int, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) {
    typealias V = S.Vector
    let a0 = a, a1 = a + min(1, rows - 1) * lda, a2 = a + min(2, rows - 1) * lda
    let b0 = b, b1 = b + min(1, columns - 1) * ldb, b2 = b + min(2, columns - 1) * ldb, b3 = b + min(3, columns - 1) * ldb
    var s00 = V(), s01 = V(), s02 = V(), s03 = V(), s10 = V(), s11 = V(), s12 = V(), s13 = V()
    var s20 = V(), s21 = V(), s22 = V(), s23 = V()
    let width = V.scalarCount, whole = k - k % width
    var p = 0
    while p < whole {
        // `DotBlock`'s sizes are constants, so the sums a smaller block does not use compile away.
        let fourth = DotBlock.columns > 3
        let u0 = V.load(b0 + p), u1 = V.load(b1 + p), u2 = V.load(b2 + p), u3 = fourth ? V.load(b3 + p) : V()
        var x = V.load(a0 + p)
        s00 = s00.addingProduct(x, u0); s01 = s01.addingProduct(x, u1); s02 = s02.addingProduct(x, u2)
        if fourth { s03 = s03.addingProduct(x, u3) }
        x = V.load(a1 + p)
        s10 = s10.addingProduct(x, u0); s11 = s11.addingProduct(x, u1); s12 = s12.addingProduct(x, u2)
        if fourth { s13 = s13.addingProduct(x, u3) }
        if DotBlock.rows > 2 {
            x = V.load(a2 + p)
            s20 = s20.addingProduct(x, u0); s21 = s21.addingProduct(x, u1); s22 = s22.addingProduct(x, u2)
            if fourth { s23 = s23.addingProduct(x, u3) }
        }
        p += width
    }
    // The lanes' sums, then the depths past the last whole vector, in order.
    @inline(__always) func emit(_ r: Int, _ ar: UnsafePointer<S>, _ q: Int, _ bq: UnsafePointer<S>, _ sums: V) {
        guard r < rows && q < columns else { return }
        var s = sums.sum()
        for p in whole..<k { s = s.addingProduct(ar[p], bq[p]) }
        let out = c + r * ldc + q
        out.pointee = accumulate ? out.pointee + s : s
    }
    emit(0, a0, 0, b0, s00); emit(0, a0, 1, b1, s01); emit(0, a0, 2, b2, s02); emit(0, a0, 3, b3, s03)
    emit(1, a1, 0, b0, s10); emit(1, a1, 1, b1, s11); emit(1, a1, 2, b2, s12); emit(1, a1, 3, b3, s13)
    emit(2, a2, 0, b0, s20); emit(2, a2, 1, b1, s21); emit(2, a2, 2, b2, s22); emit(2, a2, 3, b3, s23)
}
