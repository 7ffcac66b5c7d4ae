#if OpenBLAS && canImport(COpenBLAS)
import COpenBLAS
#endif

/// General matrix product, the kernel under every `matmul`:
/// C (m, n) = op(A) (m, k) · op(B) (k, n), plus C's old value when `accumulate`.
///
/// Row-major with leading dimensions; op(A) is A or Aᵀ as `transposeA` says (Aᵀ is read in place, never
/// materialised). Blocked and packed as in BLIS: B in (KC × NC) blocks, A in (MC × KC) blocks, a SIMD
/// micro-kernel over (MR × NR) tiles. Large products split the rows (or columns) of C across
/// `ComputeThreads.count` threads; every element's sum runs over k in the same order in any split, so
/// the result does not depend on the thread count.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func gemm<S: TensorScalar>(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<S>, lda: Int, transposeA: Bool = false,
    b: UnsafePointer<S>, ldb: Int, transposeB: Bool = false,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool = false,
    threads: Int = ComputeThreads.count
) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    #if OpenBLAS && canImport(COpenBLAS)
    if GEMMBackend.current == .openBLAS {
        blasGEMM(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                 transposeB: transposeB, c: c, ldc: ldc, accumulate: accumulate)
        return
    }
    #endif
    let parts = ComputeThreads.parts(multiplyAdds: m * n * k, threads: threads)
    let kcMax = Blocking.kc(depth: k, columns: n)
    if parts == 1 {
        blockedGEMM(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                    transposeB: transposeB, c: c, ldc: ldc, accumulate: accumulate, kcMax: kcMax)
        return
    }
    // Split the longer side of C into `parts` pieces aligned to the micro-tile; but every piece of rows packs
    // all of B, so when that copy is a large share of the work (a convolution's dW = doutᵀ · col, 25 columns
    // deep in tens of thousands of products) and the columns make enough slivers, split the columns instead.
    let plan = PackingPlan(n: n, k: k, transposeA: transposeA, transposeB: transposeB, of: S.self)
    let packedB = plan.readsBInPlace ? 0 : k * n, packedA = plan.packsA ? m * k : 0
    let slivers = (n + S.Vector.scalarCount - 1) / S.Vector.scalarCount
    let rowPiecesRepackB = packedB > packedA && packedB * 64 >= m * n * k  // the copy is over 1/64 of the work
    let splitRows = m >= n && !(rowPiecesRepackB && slivers >= parts)
    let unit = splitRows ? Blocking.mr : S.Vector.scalarCount
    let extent = splitRows ? m : n
    let piece = (extent + parts - 1) / parts
    let step = (piece + unit - 1) / unit * unit
    let pieces = (extent + step - 1) / step
    parallelFor(pieces) { t in
        let start = t * step, size = min(step, extent - start)
        if splitRows {
            let aStart = transposeA ? a + start : a + start * lda
            blockedGEMM(m: size, n: n, k: k, a: aStart, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                        transposeB: transposeB, c: c + start * ldc, ldc: ldc, accumulate: accumulate, kcMax: kcMax)
        } else {
            let bStart = transposeB ? b + start * ldb : b + start
            blockedGEMM(m: m, n: size, k: k, a: a, lda: lda, transposeA: transposeA, b: bStart, ldb: ldb,
                        transposeB: transposeB, c: c + start, ldc: ldc, accumulate: accumulate, kcMax: kcMax)
        }
    }
}

/// C (m, n) = A (m, k) · B (k, n) on one thread, B read in place through the offsets of its rows: B(p, j) at
/// b[bDepthOffsets[p] + j]. A convolution's colᵀ is such a B without being written: on an image padded and laid
/// out flat, row (c, fy, fx) at window position j is the value at offset(c, fy, fx) + j (counting positions on
/// the padded width). Each row is read in whole vectors, so it must be readable up to a vector past column
/// n − 1. The product's sums are those `gemm` gives with B row-major where its last columns fill a sliver
/// or more than `EdgeColumns.maxWidth` of one; other last columns are summed in another order.
@_specialize(where S == Float)
@_specialize(where S == Double)
package func gemm<S: TensorScalar>(
    m: Int, n: Int, k: Int, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, bDepthOffsets: UnsafePointer<Int>,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool = false
) {
    guard m > 0, n > 0, k > 0 else {
        if m > 0, n > 0, !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    blockedGEMM(m: m, n: n, k: k, a: a, lda: lda, transposeA: false, b: b, ldb: 0, transposeB: false, c: c, ldc: ldc,
                accumulate: accumulate, kcMax: Blocking.kc(depth: k, columns: n), bDepthOffsets: bDepthOffsets)
}

/// One thread's GEMM: the BLIS loop nest over packed blocks, packed as `PackingPlan` says.
/// `kcMax` comes from the whole product's shape, so a thread's share is summed in the same K blocks.
@_specialize(where S == Float)
@_specialize(where S == Double)
@inline(never)
func blockedGEMM<S: TensorScalar>(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<S>, lda: Int, transposeA: Bool,
    b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool, kcMax: Int, bDepthOffsets: UnsafePointer<Int>? = nil
) {
    let mr = Blocking.mr, nr = S.Vector.scalarCount
    let ncMax = min((n + nr - 1) / nr * nr, Blocking.nc)
    let mcMax = min((m + mr - 1) / mr * mr, Blocking.mc)
    let plan = PackingPlan(n: n, k: k, transposeA: transposeA, transposeB: transposeB, bByDepthOffsets: bDepthOffsets != nil,
                           of: S.self)
    let (packsA, edge, dotEdge, readsBInPlace) = (plan.packsA, plan.edge, plan.dotEdge, plan.readsBInPlace)
    PackBuffers.with { buffers in
        let size = MemoryLayout<S>.stride
        let packedBCount = readsBInPlace ? (dotEdge ? edge * kcMax : 0) : ncMax * kcMax
        buffers.reserve(aBytes: packsA ? mcMax * kcMax * size : 0, bBytes: packedBCount * size)
        let packedA = buffers.a.assumingMemoryBound(to: S.self)
        let packedB = buffers.b.assumingMemoryBound(to: S.self)
        let sink = UnsafeMutableRawPointer(buffers.sink).assumingMemoryBound(to: S.self)
        for j0 in stride(from: 0, to: n, by: Blocking.nc) {
            let nc = min(Blocking.nc, n - j0)
            let edgeHere = dotEdge && j0 + nc == n
            let ncMain = edgeHere ? nc - edge : nc
            for p0 in stride(from: 0, to: k, by: kcMax) {
                let kc = min(kcMax, k - p0)
                let add = accumulate || p0 > 0
                if !readsBInPlace {
                    packB(b, ldb: ldb, transposed: transposeB, depths: p0, kc, columns: j0, ncMain, into: packedB,
                          scratch: buffers.transposeScratch)
                }
                let packedEdge = readsBInPlace ? packedB : packedB + ncMain * kc
                if edgeHere {
                    packBTransposed(b, ldb: ldb, transposed: transposeB, depths: p0, kc, columns: j0 + ncMain, edge,
                                    into: packedEdge)
                }
                let bInPlace = bDepthOffsets == nil ? b + p0 * ldb + j0 : b + j0
                let panel = Panel(
                    kc: kc, b: readsBInPlace ? bInPlace : UnsafePointer(packedB), bDepthStride: readsBInPlace ? ldb : nr,
                    bSliverStride: readsBInPlace ? nr : kc * nr, bDepthOffsets: bDepthOffsets.map { $0 + p0 }, columns: ncMain,
                    edge: edgeHere ? (UnsafePointer(packedEdge), edge) : nil, c: c + j0, ldc: ldc, accumulate: add,
                    sink: sink)
                if packsA {
                    for i0 in stride(from: 0, to: m, by: Blocking.mc) {
                        let mc = min(Blocking.mc, m - i0)
                        packA(a, lda: lda, transposed: transposeA, rows: i0, mc, depths: p0, kc, into: packedA)
                        panel.multiply(rows: i0, mc, packed: UnsafePointer(packedA), a: a, lda: lda, p0: p0,
                                       transposeA: transposeA)
                    }
                } else {
                    panel.multiply(rows: 0, m, packed: nil, a: a, lda: lda, p0: p0, transposeA: transposeA)
                }
            }
        }
    }
}

/// What one thread's GEMM copies, from the shape of its product.
struct PackingPlan {
    /// A is packed only when C is wide enough to reuse each packed value many times; otherwise the kernel
    /// reads it in place, six rows at a time across all of C's columns while those rows sit in L1.
    let packsA: Bool
    /// Columns past the last full sliver, and whether they go through `edgeDotKernel` (EdgeKernel.swift:
    /// dot products when A is row-major; vectors over rows when it is transposed).
    let edge: Int, dotEdge: Bool
    /// Whole slivers of row-major B are read in place when A is, or when B is shallow (an im2col product's
    /// 25 rows): the kernel streams B's rows as it would the packed copy, and the copy (as large as B) is saved.
    let readsBInPlace: Bool

    /// B given by the offsets of its rows (`gemm(…, bDepthOffsets:)`) is always read in place, a last sliver
    /// of a few columns included.
    init<S: TensorScalar>(n: Int, k: Int, transposeA: Bool, transposeB: Bool, bByDepthOffsets: Bool = false, of _: S.Type) {
        packsA = n > Blocking.packAMinColumns
        edge = n % S.Vector.scalarCount
        dotEdge = !transposeA && edge > 0 && edge <= EdgeColumns.maxWidth && !bByDepthOffsets
        readsBInPlace = bByDepthOffsets || (!packsA || k <= Blocking.inPlaceBMaxDepth) && !transposeB && (edge == 0 || dotEdge)
    }
}

/// One packed (KC × NC) panel of B against rows of A: the two inner loops of the nest.
struct Panel<S: TensorScalar> {
    /// B(p, j) of the panel at b[p * bDepthStride + j % NR + (j / NR) * bSliverStride]: packed in (kc, NR)
    /// slivers, or row-major in place.
    let kc: Int, b: UnsafePointer<S>, bDepthStride: Int, bSliverStride: Int
    /// Or B(p, j) at b[bDepthOffsets[p] + j % NR + (j / NR) · bSliverStride], B in place.
    let bDepthOffsets: UnsafePointer<Int>?
    let columns: Int
    /// The transposed columns for `edgeDotKernel`, when the panel ends with them.
    let edge: (b: UnsafePointer<S>, columns: Int)?
    let c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
    let sink: UnsafeMutablePointer<S>

    /// C rows i0..<i0+mc. With `packed` A (an (mc × kc) block in MR-row slivers) B slivers go outermost;
    /// with A in place each six-row sliver of A stays in L1 while every B sliver passes it.
    @inline(__always)
    func multiply(rows i0: Int, _ mc: Int, packed: UnsafePointer<S>?, a: UnsafePointer<S>, lda: Int, p0: Int,
                  transposeA: Bool) {
        let mr = Blocking.mr, nr = S.Vector.scalarCount
        if let packed {
            var js = 0
            while js < columns {
                let vectors = tileVectors(at: js, narrowEdge: bDepthOffsets == nil)
                for iS in stride(from: 0, to: mc, by: mr) {
                    // Only sums onto C read it; a first pass just writes.
                    if accumulate && iS + mr < mc {
                        touch(c + (i0 + iS + mr) * ldc + js, rows: min(mr, mc - iS - mr))
                    }
                    tile(i0 + iS, rows: min(mr, mc - iS), js, vectors: vectors, a: packed + iS * kc, rowStride: 1,
                         depthStride: mr, padded: true)
                }
                js += vectors * nr
            }
            if let edge {
                for iS in stride(from: 0, to: mc, by: mr) {
                    edgeTile(i0 + iS, rows: min(mr, mc - iS), edge: edge, a: a, lda: lda, p0: p0)
                }
            }
        } else {
            let rowStride = transposeA ? 1 : lda, depthStride = transposeA ? lda : 1
            let edgeRows = transposeA ? transposedEdge(rows: i0, mc, a: a, lda: lda, p0: p0) : 0
            // C of exactly one sliver (a weight gradient with 16 filters) goes in taller tiles.
            let tileRows = columns == nr && edge == nil ? MicroTile.oneSliverRows : mr
            for iS in stride(from: i0, to: i0 + mc, by: tileRows) {
                let rows = min(tileRows, i0 + mc - iS), sliver = a + iS * rowStride + p0 * depthStride
                // Rows that `transposedEdge` did lack only the slivers before the narrow one.
                let end = iS < i0 + edgeRows ? columns - columns % nr : columns
                var js = 0
                while js < end {
                    let vectors = tileVectors(at: js, narrowEdge: rowStride == 1 && rows == mr)
                    tile(iS, rows: rows, js, vectors: vectors, a: sliver, rowStride: rowStride,
                         depthStride: depthStride, padded: false)
                    js += vectors * nr
                }
                if let edge { edgeTile(iS, rows: rows, edge: edge, a: a, lda: lda, p0: p0) }
            }
        }
    }

    /// With A transposed and read in place, a last sliver a few columns wide for as many of rows i0..<i0+mc
    /// as make whole blocks of `ThreeVectorsOfRows`; returns how many rows that is (0 without such a sliver).
    @inline(__always)
    func transposedEdge(rows i0: Int, _ mc: Int, a: UnsafePointer<S>, lda: Int, p0: Int) -> Int {
        let nr = S.Vector.scalarCount, width = columns % nr, block = ThreeVectorsOfRows<S>.count
        guard width > 0 && width <= EdgeColumns.maxWidth else { return 0 }
        let rows = mc / block * block, j = columns - width
        for r in stride(from: i0, to: i0 + rows, by: block) {
            edgeRowsKernel(ThreeVectorsOfRows<S>.self, kc: kc, a: a + r + p0 * lda, lda: lda, b: b + j / nr * bSliverStride,
                           rows: block, columns: width, c: c + r * ldc + j, ldc: ldc, accumulate: accumulate)
        }
        return rows
    }

    /// Loads the first value of each row of the next tile, so its lines of C are on their way to L1 while
    /// this tile computes (Swift has no prefetch instruction; `sink` keeps the loads from being dropped).
    @inline(__always)
    func touch(_ p: UnsafeMutablePointer<S>, rows: Int) {
        var s = p[0]
        for r in 1..<rows { s += p[r * ldc] }
        sink.pointee += s
    }

    /// How many slivers the tile at column js spans: as many as `MicroTile` allows, but two and two of the last
    /// four (a lone last sliver's six sums are too few to hide the multiply-add's latency), and a last sliver
    /// of a few columns is left to a tile of its own when `narrowEdge` says `edgeRowsKernel` can take it.
    @inline(__always)
    func tileVectors(at js: Int, narrowEdge: Bool) -> Int {
        let nr = S.Vector.scalarCount, remaining = columns - js, slivers = (remaining + nr - 1) / nr
        let vectors = slivers == 4 ? min(MicroTile.maxVectors, 2) : min(MicroTile.maxVectors, slivers)
        let lastWidth = remaining - (vectors - 1) * nr
        return vectors > 1 && lastWidth <= EdgeColumns.maxWidth && narrowEdge ? vectors - 1 : vectors
    }

    /// The tile at row i, column js, `vectors` slivers wide: the micro-kernel, or `edgeRowsKernel` for a
    /// sliver of a few columns with A stored rows contiguous at each depth (packed A is `padded` to six
    /// rows, A in place needs a full tile).
    @inline(__always)
    func tile(_ i: Int, rows: Int, _ js: Int, vectors: Int, a: UnsafePointer<S>, rowStride: Int, depthStride: Int,
              padded: Bool) {
        let nr = S.Vector.scalarCount, width = min(vectors * nr, columns - js)
        let out = c + i * ldc + js, sliver = b + js / nr * bSliverStride
        if vectors == 1 && rowStride == 1 && width <= EdgeColumns.maxWidth && (padded || rows == Blocking.mr)
            && bDepthOffsets == nil {
            edgeRowsKernel(SixRows<S>.self, kc: kc, a: a, lda: depthStride, b: sliver, rows: rows, columns: width,
                           c: out, ldc: ldc, accumulate: accumulate)
        } else {
            MicroTile.run(vectors: vectors, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride,
                          b: sliver, bDepthStride: bDepthStride, bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets,
                          c: out, ldc: ldc,
                          rows: rows, columns: width, accumulate: accumulate)
        }
    }

    @inline(__always)
    func edgeTile(_ i: Int, rows: Int, edge: (b: UnsafePointer<S>, columns: Int), a: UnsafePointer<S>, lda: Int,
                  p0: Int) {
        edgeDotKernel(kc: kc, a: a + i * lda + p0, lda: lda, rows: rows, bt: edge.b, columns: edge.columns,
                      c: c + i * ldc + columns, ldc: ldc, accumulate: accumulate)
    }
}

/// Which implementation `gemm` uses; OpenBLAS only exists when built with `--traits OpenBLAS`.
public enum GEMMBackend: String, Sendable, CaseIterable {
    /// DLFS's own blocked kernel (Kernels/GEMM.swift), always available.
    case dlfs
    /// OpenBLAS's `cblas_sgemm`/`cblas_dgemm`, in builds with the OpenBLAS trait.
    case openBLAS

    /// Builds with the OpenBLAS trait use it unless `DLFS_GEMM=dlfs`; others always use DLFS's kernel.
    public static var current: GEMMBackend {
        #if OpenBLAS && canImport(COpenBLAS)
        return selected.load(ordering: .relaxed) == 0 ? .dlfs : .openBLAS
        #else
        return .dlfs
        #endif
    }

    /// Whether this build has the OpenBLAS trait, so that `select(.openBLAS)` takes effect.
    public static var isOpenBLASAvailable: Bool {
        #if OpenBLAS && canImport(COpenBLAS)
        return true
        #else
        return false
        #endif
    }

    /// Selects the backend for subsequent products (benchmarks compare both in one process).
    public static func select(_ backend: GEMMBackend) {
        #if OpenBLAS && canImport(COpenBLAS)
        selected.store(backend == .openBLAS ? 1 : 0, ordering: .relaxed)
        #endif
    }
}
