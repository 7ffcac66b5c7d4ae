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

/// The same narrow column edge when A's rows are contiguous at each depth (A transposed, stored k × m, or
/// packed): vectors run over the rows, one accumulator group per column, B broadcast from its packed
/// (kc, NR) sliver. Each C(r, j) gets exactly the main kernel's sequence of fused multiply-adds, so the
/// result is the same to the bit; only the wasted lanes are gone. `Rows` says how many rows a pass holds:
/// a six-row tile (`SixRows`; packed A is padded, A in place needs a full tile), or `ThreeVectorsOfRows` for
/// a block of transposed A in place, where six sums in flight hide the latency that a tile's four, each
/// waiting on its own last multiply-add, cannot. Reads `Rows.count` rows at every depth, writes `rows`.
/// - a: A(0, 0), element (r, p) at a[r + p·lda]; b: the packed sliver of the columns.
@inline(__always)
func edgeRowsKernel<Rows: EdgeRows>(
    _: Rows.Type, kc: Int, a: UnsafePointer<Rows.Scalar>, lda: Int, b: UnsafePointer<Rows.Scalar>, rows: Int,
    columns: Int, c: UnsafeMutablePointer<Rows.Scalar>, ldc: Int, accumulate: Bool
) {
    let nr = Rows.Scalar.Vector.scalarCount
    for j in stride(from: 0, to: columns, by: 2) {
        let pair = min(2, columns - j)
        var s0 = Rows(), s1 = Rows()
        var row = a, column = b + j
        for _ in 0..<kc {
            let x = Rows(loading: row)
            s0 = s0.addingProduct(x, column[0])
            s1 = s1.addingProduct(x, column[1])  // zero padding when pair == 1
            row += lda
            column += nr
        }
        @inline(__always) func emit(_ q: Int, _ sums: Rows) {
            withUnsafeBytes(of: sums) { raw in
                let values = raw.assumingMemoryBound(to: Rows.Scalar.self)
                for r in 0..<rows {
                    let out = c + r * ldc + j + q
                    out.pointee = accumulate ? out.pointee + values[r] : values[r]
                }
            }
        }
        emit(0, s0)
        if pair == 2 { emit(1, s1) }
    }
}

/// Rows of A at one depth, as `edgeRowsKernel` holds them in registers; stored in row order.
protocol EdgeRows {
    associatedtype Scalar: TensorScalar
    /// How many rows.
    static var count: Int { get }
    /// All zeros.
    init()
    /// The rows at p, contiguous.
    init(loading p: UnsafePointer<Scalar>)
    /// self + x · b in every row, fused.
    func addingProduct(_ x: Self, _ b: Scalar) -> Self
}

/// The six rows of a micro-tile: a SIMD4 and a SIMD2, no wasted lanes.
struct SixRows<Scalar: TensorScalar>: EdgeRows {
    var low: SIMD4<Scalar>, high: SIMD2<Scalar>
    static var count: Int { 6 }
    @inline(__always) init() { (low, high) = (.init(), .init()) }
    @inline(__always) init(loading p: UnsafePointer<Scalar>) { (low, high) = (.load(p), .load(p + 4)) }
    @inline(__always) func addingProduct(_ x: Self, _ b: Scalar) -> Self {
        var sum = self
        sum.low = low.addingProduct(x.low, SIMD4(repeating: b))
        sum.high = high.addingProduct(x.high, SIMD2(repeating: b))
        return sum
    }
}

/// Three whole vectors of rows: 48 floats or 24 doubles, a whole number of six-row tiles.
struct ThreeVectorsOfRows<Scalar: TensorScalar>: EdgeRows {
    var v0: Scalar.Vector, v1: Scalar.Vector, v2: Scalar.Vector
    static var count: Int { 3 * Scalar.Vector.scalarCount }
    @inline(__always) init() { (v0, v1, v2) = (.init(), .init(), .init()) }
    @inline(__always) init(loading p: UnsafePointer<Scalar>) {
        let nr = Scalar.Vector.scalarCount
        (v0, v1, v2) = (.load(p), .load(p + nr), .load(p + 2 * nr))
    }
    @inline(__always) func addingProduct(_ x: Self, _ b: Scalar) -> Self {
        let u = Scalar.Vector(repeating: b)
        return Self(v0: v0.addingProduct(x.v0, u), v1: v1.addingProduct(x.v1, u), v2: v2.addingProduct(x.v2, u))
    }
    @inline(__always) init(v0: Scalar.Vector, v1: Scalar.Vector, v2: Scalar.Vector) { (self.v0, self.v1, self.v2) = (v0, v1, v2) }
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
