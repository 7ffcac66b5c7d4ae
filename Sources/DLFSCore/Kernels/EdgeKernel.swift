/// The last few columns of C when they fill much less than a vector (N = 50 leaves 2 past three 16-wide
/// slivers): the full kernel would spend a whole tile of multiply-adds on them. With A row-major and read
/// in place, each C(r, j) is instead a dot product along k of row r of A with column j of B (packed
/// transposed, so both run contiguously), six rows by two columns at a time.
///
/// The sums run in a different order from the main kernel's, but which columns take this path depends
/// only on n and the layout of A, never on how the work is split over threads.
@usableFromInline enum EdgeColumns {
    /// The widest column edge that goes through `edgeDotKernel` or `edgeRowsKernel`.
    @usableFromInline static let maxWidth = 4
}

/// C(0..<rows, 0..<columns) of a tile from rows of A in place (row r at a + r·lda, contiguous along k)
/// and `columns` columns of B packed transposed (column j at bt + j·kc).
@inline(__always)
@_specialize(where S == Float)
@_specialize(where S == Double)
func edgeDotKernel<S: TensorScalar>(
    kc: Int, a: UnsafePointer<S>, lda: Int, rows: Int, bt: UnsafePointer<S>, columns: Int,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) {
    // Half of S.Vector: one AVX2 register of either type, so 12 accumulators fit the register file.
    if S.Vector.scalarCount == 16 {
        edgeDotKernel(SIMD8<S>.self, kc: kc, a: a, lda: lda, rows: rows, bt: bt, columns: columns,
                      c: c, ldc: ldc, accumulate: accumulate)
    } else {
        edgeDotKernel(SIMD4<S>.self, kc: kc, a: a, lda: lda, rows: rows, bt: bt, columns: columns,
                      c: c, ldc: ldc, accumulate: accumulate)
    }
}

@inline(__always)
private func edgeDotKernel<S: TensorScalar, W: SIMD>(
    _: W.Type, kc: Int, a: UnsafePointer<S>, lda: Int, rows: Int, bt: UnsafePointer<S>, columns: Int,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) where W.Scalar == S {
    let last = rows - 1
    let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda
    let a3 = a + min(3, last) * lda, a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda
    let lanes = W.scalarCount, full = kc - kc % lanes
    for j in stride(from: 0, to: columns, by: 2) {
        let pair = min(2, columns - j)
        let b0 = bt + j * kc, b1 = bt + (j + pair - 1) * kc
        var s00 = W(), s01 = W(), s10 = W(), s11 = W(), s20 = W(), s21 = W()
        var s30 = W(), s31 = W(), s40 = W(), s41 = W(), s50 = W(), s51 = W()
        var p = 0
        while p < full {
            let u = W.load(b0 + p), v = W.load(b1 + p)
            var x = W.load(a0 + p); s00 = s00.addingProduct(x, u); s01 = s01.addingProduct(x, v)
            x = W.load(a1 + p); s10 = s10.addingProduct(x, u); s11 = s11.addingProduct(x, v)
            x = W.load(a2 + p); s20 = s20.addingProduct(x, u); s21 = s21.addingProduct(x, v)
            x = W.load(a3 + p); s30 = s30.addingProduct(x, u); s31 = s31.addingProduct(x, v)
            x = W.load(a4 + p); s40 = s40.addingProduct(x, u); s41 = s41.addingProduct(x, v)
            x = W.load(a5 + p); s50 = s50.addingProduct(x, u); s51 = s51.addingProduct(x, v)
            p += lanes
        }
        // Reduce, finish the depths past the last whole vector, and write the rows inside C.
        @inline(__always) func emit(_ r: Int, _ ar: UnsafePointer<S>, _ t0: W, _ t1: W) {
            guard r < rows else { return }
            for q in 0..<pair {
                let bq = q == 0 ? b0 : b1
                var s = (q == 0 ? t0 : t1).sum()
                for p in full..<kc { s = s.addingProduct(ar[p], bq[p]) }
                let out = c + r * ldc + j + q
                out.pointee = accumulate ? out.pointee + s : s
            }
        }
        emit(0, a0, s00, s01); emit(1, a1, s10, s11); emit(2, a2, s20, s21)
        emit(3, a3, s30, s31); emit(4, a4, s40, s41); emit(5, a5, s50, s51)
    }
}

/// The same narrow column edge when A is transposed (stored k × m, so the six rows of a tile are
/// contiguous at each depth): vectors run over the rows, one accumulator pair per column, B broadcast from
/// its packed (kc, NR) sliver. Each C(r, j) gets exactly the main kernel's sequence of fused multiply-adds,
/// so the result is the same to the bit; only the wasted lanes are gone. Reads six rows at every depth
/// (packed A is padded; A in place needs a full tile), writes `rows`.
@inline(__always)
@_specialize(where S == Float)
@_specialize(where S == Double)
func edgeRowsKernel<S: TensorScalar>(
    kc: Int, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, rows: Int, columns: Int,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) {
    typealias Low = SIMD4<S>
    typealias High = SIMD2<S>
    let nr = S.Vector.scalarCount
    for j in stride(from: 0, to: columns, by: 2) {
        let pair = min(2, columns - j)
        var l0 = Low(), h0 = High(), l1 = Low(), h1 = High()
        var row = a, column = b + j
        for _ in 0..<kc {
            let low = Low.load(row), high = High.load(row + 4)
            let u = column[0], v = column[1]  // column j + 1 is zero padding when pair == 1
            l0 = l0.addingProduct(low, Low(repeating: u)); h0 = h0.addingProduct(high, High(repeating: u))
            l1 = l1.addingProduct(low, Low(repeating: v)); h1 = h1.addingProduct(high, High(repeating: v))
            row += lda
            column += nr
        }
        @inline(__always) func emit(_ q: Int, _ l: Low, _ h: High) {
            for r in 0..<rows {
                let s = r < 4 ? l[r] : h[r - 4]
                let out = c + r * ldc + j + q
                out.pointee = accumulate ? out.pointee + s : s
            }
        }
        emit(0, l0, h0)
        if pair == 2 { emit(1, l1, h1) }
    }
}

/// The same narrow column edge for a block of rows of transposed A in place, `rows` a multiple of three
/// vectors (48 floats, 24 doubles: whole six-row tiles too): vectors over the rows, three at a time, so six
/// sums are in flight where `edgeRowsKernel`'s six rows keep four, each waiting on its own last
/// multiply-add. Each C(r, j) gets the main kernel's sequence of fused multiply-adds, as there.
/// - a: A(0, 0) of the block, element (r, p) at a[r + p·lda]; b: the packed (kc, NR) sliver of the columns.
@inline(__always)
@_specialize(where S == Float)
@_specialize(where S == Double)
func edgeRowVectorsKernel<S: TensorScalar>(
    kc: Int, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, rows: Int, columns: Int,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) {
    typealias V = S.Vector
    let nr = V.scalarCount
    precondition(rows % (3 * nr) == 0, "edgeRowVectorsKernel: \(rows) rows")
    for r0 in stride(from: 0, to: rows, by: 3 * nr) {
        for j in stride(from: 0, to: columns, by: 2) {
            let pair = min(2, columns - j)
            var s00 = V(), s10 = V(), s20 = V(), s01 = V(), s11 = V(), s21 = V()
            var row = a + r0, column = b + j
            for _ in 0..<kc {
                let x0 = V.load(row), x1 = V.load(row + nr), x2 = V.load(row + 2 * nr)
                let u = V(repeating: column[0]), v = V(repeating: column[1])  // zero padding when pair == 1
                s00 = s00.addingProduct(x0, u); s10 = s10.addingProduct(x1, u); s20 = s20.addingProduct(x2, u)
                s01 = s01.addingProduct(x0, v); s11 = s11.addingProduct(x1, v); s21 = s21.addingProduct(x2, v)
                row += lda
                column += nr
            }
            @inline(__always) func emit(_ q: Int, _ sums: (V, V, V)) {
                withUnsafeBytes(of: sums) { raw in
                    let values = raw.assumingMemoryBound(to: S.self)
                    for r in 0..<(3 * nr) {
                        let out = c + (r0 + r) * ldc + j + q
                        out.pointee = accumulate ? out.pointee + values[r] : values[r]
                    }
                }
            }
            emit(0, (s00, s10, s20))
            if pair == 2 { emit(1, (s01, s11, s21)) }
        }
    }
}

extension SIMD {
    /// Loads a vector from possibly unaligned memory.
    @inline(__always)
    static func load(_ p: UnsafePointer<Scalar>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
}

/// Packs depths p0..<p0+kc of columns j0..<j0+w of op(B) transposed: column j at dst + (j - j0)·kc.
@inline(__always)
func packBTransposed<S: TensorScalar>(
    _ b: UnsafePointer<S>, ldb: Int, transposed: Bool,
    depths p0: Int, _ kc: Int, columns j0: Int, _ w: Int, into dst: UnsafeMutablePointer<S>
) {
    for j in 0..<w {
        let out = dst + j * kc
        if transposed {
            out.update(from: b + (j0 + j) * ldb + p0, count: kc)
        } else {
            let src = b + p0 * ldb + j0 + j
            for p in 0..<kc { out[p] = src[p * ldb] }
        }
    }
}
