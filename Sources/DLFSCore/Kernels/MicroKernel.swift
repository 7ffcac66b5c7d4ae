/// The register-blocked heart of GEMM: a (`Height` × `Width`·NR) tile of C from `Height` rows of A (MR,
/// or fewer for C's last rows) and `Width` adjacent NR-column slivers of packed B, NR being one `S.Vector`
/// (16 floats or 8 doubles).
///
/// Six rows of one vector each are 12 AVX2 registers (or 6 AVX-512 registers) of accumulators, two for B
/// and one broadcast of A. Six accumulators cannot hide the FMA latency (4 cycles, 2 pipes: 8 sums in
/// flight), so with AVX-512's 32 registers a tile spans up to three slivers (`MicroTile.maxVectors`):
/// 18 independent sums, and each broadcast of A feeds three multiply-adds. Each step p does
/// C[r] += A[r, p] * B[p, :], fused when the target has FMA.
///
/// A is read through strides, so the same kernel runs on packed A (row stride 1, depth stride MR) and on
/// A in place (row-major: lda and 1; transposed: 1 and lda). Every element of C gets the same sequence of
/// multiply-adds whatever the tile's width and whether A is packed, so neither changes a bit of the result.
///
/// - a: A(0, 0) of the tile; element (r, p) is at a[r * rowStride + p * depthStride].
/// - b, walk: B(0, 0) of the tile's first sliver; B(p, j) at byte `walk.byteOffset` of depth p, plus j values,
///   the next sliver `bSliverStride` values further: packed (depths NR apart, slivers kc·NR), B row-major in place
///   (ldb and NR), or each depth where a table puts it (the windows of a padded image, read in place); c: tile
///   origin in C with leading dimension ldc.
/// - rows, columns: how much of the tile is inside C. Rows past `rows` read row `rows - 1` again (never
///   past the end of A) and are dropped; edges write through a scratch tile. A tile of `Height` rows does the
///   multiply-adds of those rows only, so that C's last rows (four of sixteen) cost four rows' work, not six.
///   A tile of one sliver and twelve rows (A in place only: packed A comes in slivers of six) keeps rows 6 to
///   11 where a wider tile keeps its second sliver: twelve sums, where six alone wait on each other.
@inline(__always)
func microKernel<S: TensorScalar, Width: TileWidth, Height: TileHeight, Walk: DepthWalk>(
    _: Width.Type, _: Height.Type, kc: Int, a: UnsafePointer<S>, rowStride: Int, depthStride: Int, b: UnsafePointer<S>,
    bSliverStride: Int, walk: Walk, c: UnsafeMutablePointer<S>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
) {
    typealias V = S.Vector
    let (vectors, height) = (Width.slivers, Height.rows)
    let tall = height > 6 && vectors == 1
    var c00 = V(), c10 = V(), c20 = V(), c30 = V(), c40 = V(), c50 = V()
    var c01 = V(), c11 = V(), c21 = V(), c31 = V(), c41 = V(), c51 = V()
    var c02 = V(), c12 = V(), c22 = V(), c32 = V(), c42 = V(), c52 = V()
    let last = rows - 1
    let a0 = a, a1 = a + min(1, last) * rowStride, a2 = a + min(2, last) * rowStride
    let a3 = a + min(3, last) * rowStride, a4 = a + min(4, last) * rowStride, a5 = a + min(5, last) * rowStride
    let a6 = a + min(6, last) * rowStride, a7 = a + min(7, last) * rowStride, a8 = a + min(8, last) * rowStride
    let a9 = a + min(9, last) * rowStride, a10 = a + min(10, last) * rowStride, a11 = a + min(11, last) * rowStride
    let size = MemoryLayout<S>.stride
    let b0 = UnsafeRawPointer(b), b1 = b0 + bSliverStride * size, b2 = b1 + bSliverStride * size
    // Offsets advance by wrapping adds (they cannot overflow: each stays inside A or B) and B's offset is the
    // loop's counter (`StridedDepths`), so the loop carries no overflow checks and one register less; with A's
    // strides constant (`MicroTile.run`) its six rows are addressed from one register.
    var offset = 0, step = walk.start
    let end = walk.end(kc, of: S.self)
    while step != end {
        let bOffset = walk.byteOffset(step, of: S.self)
        let u = b0.loadUnaligned(fromByteOffset: bOffset, as: V.self)
        let v = vectors > 1 ? b1.loadUnaligned(fromByteOffset: bOffset, as: V.self) : V()
        let w = vectors > 2 ? b2.loadUnaligned(fromByteOffset: bOffset, as: V.self) : V()
        // `vectors` and `height` are constants of each specialization, so the unused sums compile away.
        @inline(__always) func row(_ x: S, _ s0: inout V, _ s1: inout V, _ s2: inout V) {
            let xv = V(repeating: x)
            s0 = s0.addingProduct(xv, u)
            if vectors > 1 { s1 = s1.addingProduct(xv, v) }
            if vectors > 2 { s2 = s2.addingProduct(xv, w) }
        }
        row(a0[offset], &c00, &c01, &c02); row(a1[offset], &c10, &c11, &c12)
        if height > 2 { row(a2[offset], &c20, &c21, &c22); row(a3[offset], &c30, &c31, &c32) }
        if height > 4 { row(a4[offset], &c40, &c41, &c42); row(a5[offset], &c50, &c51, &c52) }
        if tall {
            @inline(__always) func lower(_ x: S, _ s: inout V) { s = s.addingProduct(V(repeating: x), u) }
            lower(a6[offset], &c01); lower(a7[offset], &c11); lower(a8[offset], &c21)
            lower(a9[offset], &c31); lower(a10[offset], &c41); lower(a11[offset], &c51)
        }
        offset &+= depthStride
        step = walk.next(step, of: S.self)
    }
    let nr = V.scalarCount
    @inline(__always) func write(_ tile: (V, V, V, V, V, V), _ j: Int, below: Int = 0) {
        let out = c + j * nr + below * ldc, width = min(nr, columns - j * nr)
        let (rows, height) = tall ? (min(rows - below, 6), 6) : (rows, height)
        if rows == height && width == nr {
            store(tile.0, out, accumulate); store(tile.1, out + ldc, accumulate)
            if height > 2 { store(tile.2, out + 2 * ldc, accumulate); store(tile.3, out + 3 * ldc, accumulate) }
            if height > 4 { store(tile.4, out + 4 * ldc, accumulate); store(tile.5, out + 5 * ldc, accumulate) }
        } else {
            storeEdge(tile, out, ldc: ldc, rows: rows, columns: width, accumulate)
        }
    }
    write((c00, c10, c20, c30, c40, c50), 0)
    if tall && rows > 6 { write((c01, c11, c21, c31, c41, c51), 0, below: 6) }
    if vectors > 1 { write((c01, c11, c21, c31, c41, c51), 1) }
    if vectors > 2 { write((c02, c12, c22, c32, c42, c52), 2) }
}

/// What the kernels were compiled for, for figures that compare a speed with the machine's peak.
public enum KernelTarget {
    /// Float lanes of one vector multiply-add in the kernels as built: 16 where the manifest found AVX-512,
    /// 4 on ARM's NEON, else 8 (AVX2's).
    public static var floatLanes: Int {
        #if AVX512
        16
        #elseif arch(arm64)
        4
        #else
        8
        #endif
    }
}

/// How many slivers a micro-tile spans. `AVX512` is defined by the package manifest when the kernels are
/// compiled for a CPU that has it; elsewhere (AVX2's 16 registers, NEON's 32 of a quarter the width) three
/// slivers' accumulators would not fit the register file.
enum MicroTile {
    #if AVX512
    static let maxVectors = 3
    /// Rows of a tile of one sliver (with A in place): twelve sums fit the registers beside one of B.
    static let oneSliverRows = 12
    #else
    static let maxVectors = 1
    static let oneSliverRows = 6
    #endif

    /// The micro-kernel with `vectors` (1 to `maxVectors`) as a constant, so each width compiles to its own loop,
    /// and A's strides constant where they can be: packed A (1 and MR) and A in place row-major (depth stride 1);
    /// A in place transposed has its depth stride from the caller.
    @inline(__always)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func run<S: TensorScalar>(
        vectors: Int, kc: Int, a: UnsafePointer<S>, rowStride: Int, depthStride: Int, b: UnsafePointer<S>,
        bDepthStride: Int, bSliverStride: Int, bDepthOffsets: UnsafePointer<Int>? = nil, c: UnsafeMutablePointer<S>, ldc: Int,
        rows: Int, columns: Int, accumulate: Bool
    ) {
        if rowStride == 1 && depthStride == Blocking.mr {
            run(vectors: vectors, kc: kc, a: a, strides: (1, Blocking.mr), b: b, bDepthStride: bDepthStride,
                bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets, c: c, ldc: ldc, rows: rows, columns: columns,
                accumulate: accumulate)
        } else if depthStride == 1 {
            run(vectors: vectors, kc: kc, a: a, strides: (rowStride, 1), b: b, bDepthStride: bDepthStride,
                bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets, c: c, ldc: ldc, rows: rows, columns: columns,
                accumulate: accumulate)
        } else {
            run(vectors: vectors, kc: kc, a: a, strides: (rowStride, depthStride), b: b, bDepthStride: bDepthStride,
                bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets, c: c, ldc: ldc, rows: rows, columns: columns,
                accumulate: accumulate)
        }
    }

    @inline(__always)
    private static func run<S: TensorScalar>(
        vectors: Int, kc: Int, a: UnsafePointer<S>, strides: (row: Int, depth: Int), b: UnsafePointer<S>,
        bDepthStride: Int, bSliverStride: Int, bDepthOffsets: UnsafePointer<Int>?, c: UnsafeMutablePointer<S>, ldc: Int,
        rows: Int, columns: Int, accumulate: Bool
    ) {
        let (rowStride, depthStride) = strides
        switch vectors {
        case 3 where maxVectors >= 3:
            run(ThreeSlivers.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                bDepthStride: bDepthStride, bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets, c: c, ldc: ldc,
                rows: rows, columns: columns, accumulate: accumulate)
        case 2 where maxVectors >= 2:
            run(TwoSlivers.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                bDepthStride: bDepthStride, bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets, c: c, ldc: ldc,
                rows: rows, columns: columns, accumulate: accumulate)
        default:
            precondition(vectors == 1, "micro-tile of \(vectors) slivers (at most \(maxVectors))")
            run(OneSliver.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                bDepthStride: bDepthStride, bSliverStride: bSliverStride, bDepthOffsets: bDepthOffsets, c: c, ldc: ldc,
                rows: rows, columns: columns, accumulate: accumulate)
        }
    }

    /// The kernel of `Width` for B's depths as they are laid out.
    @inline(__always)
    private static func run<S: TensorScalar, Width: TileWidth>(
        _ width: Width.Type, kc: Int, a: UnsafePointer<S>, rowStride: Int, depthStride: Int, b: UnsafePointer<S>,
        bDepthStride: Int, bSliverStride: Int, bDepthOffsets: UnsafePointer<Int>?, c: UnsafeMutablePointer<S>, ldc: Int,
        rows: Int, columns: Int, accumulate: Bool
    ) {
        if let bDepthOffsets {
            run(width, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b, bSliverStride: bSliverStride,
                walk: TabledDepths(offsets: bDepthOffsets), c: c, ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
        } else {
            run(width, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b, bSliverStride: bSliverStride,
                walk: StridedDepths(stride: bDepthStride), c: c, ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
        }
    }

    /// The kernel of `Width` for `rows` live rows, in the shortest tile that holds them.
    @inline(__always)
    private static func run<S: TensorScalar, Width: TileWidth, Walk: DepthWalk>(
        _ width: Width.Type, kc: Int, a: UnsafePointer<S>, rowStride: Int, depthStride: Int, b: UnsafePointer<S>,
        bSliverStride: Int, walk: Walk, c: UnsafeMutablePointer<S>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
    ) {
        switch rows {
        case 7...:
            precondition(Width.slivers == 1 && rows <= oneSliverRows, "micro-tile of \(rows) rows, \(Width.slivers) slivers")
            microKernel(width, TwelveRowsHigh.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                        bSliverStride: bSliverStride, walk: walk, c: c,
                        ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
        case 5, 6:
            microKernel(width, SixRowsHigh.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                        bSliverStride: bSliverStride, walk: walk, c: c,
                        ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
        case 3, 4:
            microKernel(width, FourRowsHigh.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                        bSliverStride: bSliverStride, walk: walk, c: c,
                        ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
        default:
            microKernel(width, TwoRowsHigh.self, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b,
                        bSliverStride: bSliverStride, walk: walk, c: c,
                        ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
        }
    }
}

/// A micro-tile's width in slivers, as a type: each width is then its own specialization of `microKernel`
/// with the width a constant, even where the optimizer declines to inline it (as an `Int` argument, the
/// out-of-line copy tested the width at every step of its loop).
protocol TileWidth { static var slivers: Int { get } }
enum OneSliver: TileWidth { static var slivers: Int { 1 } }
enum TwoSlivers: TileWidth { static var slivers: Int { 2 } }
enum ThreeSlivers: TileWidth { static var slivers: Int { 3 } }

/// A micro-tile's height in rows of C, as a type for the same reason: six (MR), or four or two for the rows
/// left below the last whole tile, or twelve for a tile of one sliver.
protocol TileHeight { static var rows: Int { get } }
enum TwoRowsHigh: TileHeight { static var rows: Int { 2 } }
enum FourRowsHigh: TileHeight { static var rows: Int { 4 } }
enum SixRowsHigh: TileHeight { static var rows: Int { 6 } }
enum TwelveRowsHigh: TileHeight { static var rows: Int { 12 } }

/// How the micro-kernel steps through B's depths, as a type so that each way compiles to its own loop.
protocol DepthWalk {
    /// The loop's counter at the first depth, and past the last of kc.
    var start: Int { get }
    func end<S>(_ kc: Int, of: S.Type) -> Int
    /// The counter's next value, and the byte offset of its depth's row of B.
    func next<S>(_ step: Int, of: S.Type) -> Int
    func byteOffset<S>(_ step: Int, of: S.Type) -> Int
}

/// B's depths a constant stride apart (packed, or row-major in place): the counter is the byte offset itself.
struct StridedDepths: DepthWalk {
    let stride: Int
    var start: Int { 0 }
    @inline(__always) func end<S>(_ kc: Int, of _: S.Type) -> Int { kc &* stride &* MemoryLayout<S>.stride }
    @inline(__always) func next<S>(_ step: Int, of _: S.Type) -> Int { step &+ stride &* MemoryLayout<S>.stride }
    @inline(__always) func byteOffset<S>(_ step: Int, of _: S.Type) -> Int { step }
}

/// B's depths where a table puts them (in elements): the counter is the depth.
struct TabledDepths: DepthWalk {
    let offsets: UnsafePointer<Int>
    var start: Int { 0 }
    @inline(__always) func end<S>(_ kc: Int, of _: S.Type) -> Int { kc }
    @inline(__always) func next<S>(_ step: Int, of _: S.Type) -> Int { step &+ 1 }
    @inline(__always) func byteOffset<S>(_ step: Int, of _: S.Type) -> Int { offsets[step] &* MemoryLayout<S>.stride }
}

@inline(__always)
private func store<V: SIMD>(_ v: V, _ c: UnsafeMutablePointer<V.Scalar>, _ accumulate: Bool)
where V.Scalar: FloatingPoint {
    let raw = UnsafeMutableRawPointer(c)
    raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: V.self) + v : v, as: V.self)
}

/// The part of a tile's sliver that lies inside C, through a scratch copy on the stack (no heap
/// allocation: tiny products are mostly edges).
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
