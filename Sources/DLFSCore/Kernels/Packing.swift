import Foundation

/// GEMM blocking, in elements. A (MR × KC) sliver and a (KC × NR) sliver stay in L1, an (MC × KC) block
/// of A in L2, a (KC × NC) block of B in L3.
@usableFromInline enum Blocking {
    @usableFromInline static let mr = 6
    /// The deepest K block; K is cut into equal blocks no deeper than this, so no thin last block costs a
    /// whole extra pass over C (784 = 2 × 392, not 3 × 256 + 16).
    @usableFromInline static let kcMax = 384
    /// The deepest K block when A is read in place: its six rows are the only A data in L1.
    @usableFromInline static let kcMaxInPlace = 1024
    @usableFromInline static let mc = 144
    @usableFromInline static let nc = 4080
    /// Up to this many columns of C, A is read in place instead of packed: each value of A then feeds
    /// too few multiply-adds to pay for copying it.
    @usableFromInline static let packAMinColumns = 128
    /// Up to this depth B is read in place even when A is packed: a sliver's rows (at most 25 KB of floats)
    /// stay in L1 while every tile of A's block passes it, however far apart the rows are. A convolution's
    /// colᵀ, 144 to 288 rows deep, is then multiplied where im2col wrote it instead of being copied again.
    @usableFromInline static let inPlaceBMaxDepth = 400

    /// The K block for a product of depth k and n columns: equal blocks of at most `kcMax`, or of
    /// `kcMaxInPlace` when A is read in place.
    @inlinable static func kc(depth k: Int, columns n: Int) -> Int {
        let limit = n > packAMinColumns ? kcMax : kcMaxInPlace
        let blocks = (k + limit - 1) / limit
        return (k + blocks - 1) / blocks
    }
}

/// Packing buffers, kept in a pool and reused: a tiny product such as (100, 50) · (50, 10) costs about
/// a microsecond, less than allocating and freeing its buffers would.
final class PackBuffers: @unchecked Sendable {
    private(set) var a: UnsafeMutableRawPointer
    private(set) var b: UnsafeMutableRawPointer
    private var aBytes = 0, bBytes = 0
    /// Where GEMM adds the values it loads only to bring lines of C into cache.
    let sink = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
    /// `transposeBlock`'s two blocks of 64-byte vectors (2 KB: past what a temporary allocation takes from the
    /// stack, so it would come from the heap on every call).
    let transposeScratch = UnsafeMutableRawPointer.allocate(byteCount: 2 * 16 * 64, alignment: 64)

    init() {
        a = .allocate(byteCount: 64, alignment: 64)
        b = .allocate(byteCount: 64, alignment: 64)
    }

    deinit { a.deallocate(); b.deallocate(); sink.deallocate(); transposeScratch.deallocate() }

    /// Makes sure the buffers hold at least these many bytes (contents are not kept).
    func reserve(aBytes neededA: Int, bBytes neededB: Int) {
        if neededA > aBytes { a.deallocate(); a = .allocate(byteCount: neededA, alignment: 64); aBytes = neededA }
        if neededB > bBytes { b.deallocate(); b = .allocate(byteCount: neededB, alignment: 64); bBytes = neededB }
    }

    /// Free buffer sets. An `NSLock` (a pthread mutex) rather than Synchronization's `Mutex`, whose Linux
    /// futex path ThreadSanitizer cannot see, so it reported every hand-over between threads as a race.
    private nonisolated(unsafe) static var pool: [PackBuffers] = []
    private static let poolLock = NSLock()

    /// Lends a set of buffers to `body`, from the pool when one is free.
    static func with<R>(_ body: (PackBuffers) -> R) -> R {
        let buffers = poolLock.withLock { pool.popLast() } ?? PackBuffers()
        defer { poolLock.withLock { pool.append(buffers) } }
        return body(buffers)
    }
}

/// Packs rows i0..<i0+mc, depths p0..<p0+kc of op(A) into MR-row slivers: sliver s holds, for each depth
/// p, the MR values A(i0 + s·MR + r, p0 + p). Rows past the edge are zero, so every sliver is full.
@inline(__always)
func packA<S: TensorScalar>(
    _ a: UnsafePointer<S>, lda: Int, transposed: Bool,
    rows i0: Int, _ mc: Int, depths p0: Int, _ kc: Int, into dst: UnsafeMutablePointer<S>
) {
    let mr = Blocking.mr
    var out = dst
    for s in stride(from: 0, to: mc, by: mr) {
        let live = min(mr, mc - s)
        if transposed {
            // A is stored (k, m): each depth's MR values are contiguous.
            for p in 0..<kc {
                let src = a + (p0 + p) * lda + i0 + s
                for r in 0..<live { out[r] = src[r] }
                for r in live..<mr { out[r] = 0 }
                out += mr
            }
        } else {
            // Six rows read in step; the writes run straight through the sliver.
            let last = live - 1
            let r0 = a + (i0 + s) * lda + p0, r1 = r0 + min(1, last) * lda, r2 = r0 + min(2, last) * lda
            let r3 = r0 + min(3, last) * lda, r4 = r0 + min(4, last) * lda, r5 = r0 + min(5, last) * lda
            for p in 0..<kc {
                out[6 * p] = r0[p]; out[6 * p + 1] = r1[p]; out[6 * p + 2] = r2[p]
                out[6 * p + 3] = r3[p]; out[6 * p + 4] = r4[p]; out[6 * p + 5] = r5[p]
            }
            if live < mr { for p in 0..<kc { for r in live..<mr { out[p * mr + r] = 0 } } }
            out += kc * mr
        }
    }
}

/// Packs depths p0..<p0+kc, columns j0..<j0+nc of op(B) into NR-column slivers: sliver s holds, for each
/// depth p, the NR values B(p0 + p, j0 + s·NR + c). Columns past the edge are zero. `scratch` is
/// `PackBuffers.transposeScratch`.
@inline(__always)
func packB<S: TensorScalar>(
    _ b: UnsafePointer<S>, ldb: Int, transposed: Bool,
    depths p0: Int, _ kc: Int, columns j0: Int, _ nc: Int, into dst: UnsafeMutablePointer<S>,
    scratch: UnsafeMutableRawPointer
) {
    let nr = S.Vector.scalarCount
    if !transposed {
        // Eight rows of B at a time across all slivers: the reads run along rows (a sliver at a time would
        // stride a whole row of B between loads, which the hardware prefetcher does not follow).
        for pBlock in stride(from: 0, to: kc, by: 8) {
            let depths = pBlock..<min(pBlock + 8, kc)
            for s in stride(from: 0, to: nc, by: nr) {
                let live = min(nr, nc - s), out = dst + s * kc
                for p in depths {
                    let src = b + (p0 + p) * ldb + j0 + s
                    if live == nr {
                        UnsafeMutableRawPointer(out + p * nr).storeBytes(
                            of: UnsafeRawPointer(src).loadUnaligned(as: S.Vector.self), as: S.Vector.self)
                    } else {
                        for c in 0..<live { out[p * nr + c] = src[c] }
                        for c in live..<nr { out[p * nr + c] = 0 }
                    }
                }
            }
        }
        return
    }
    var out = dst
    for s in stride(from: 0, to: nc, by: nr) {
        let live = min(nr, nc - s)
        // B is stored (n, k): column j of op(B) is row j of storage. A whole sliver's NR × NR blocks are
        // transposed in registers; the rest NR depths at a time, so the NR lines written stay in L1 while every
        // column's run is spread over them (a column's whole run at a time wrote one value to each line of the
        // sliver, kc lines apart from L1's point of view).
        let whole = live == nr ? kc / nr * nr : 0
        for pBlock in stride(from: 0, to: whole, by: nr) {
            transposeBlock(b + (j0 + s) * ldb + p0 + pBlock, ldb: ldb, into: out + pBlock * nr,
                           scratch: scratch.assumingMemoryBound(to: S.Vector.self))
        }
        for pBlock in stride(from: whole, to: kc, by: nr) {
            let depths = min(nr, kc - pBlock), block = out + pBlock * nr
            for c in 0..<nr {
                if c < live {
                    let src = b + (j0 + s + c) * ldb + p0 + pBlock
                    for p in 0..<depths { block[p * nr + c] = src[p] }
                } else {
                    for p in 0..<depths { block[p * nr + c] = 0 }
                }
            }
        }
        out += kc * nr
    }
}

/// Writes the NR × NR block at `from` (rows `ldb` apart) transposed into NR vectors at `to`, `ldt` apart: log₂ NR
/// rounds of `unzip` over the rows, each of which moves an element's row bits one place into its column bits,
/// between the two blocks of NR vectors at `scratch`.
@inline(__always)
func transposeBlock<S: TensorScalar>(_ from: UnsafePointer<S>, ldb: Int, into to: UnsafeMutablePointer<S>,
                                     ldt: Int = S.Vector.scalarCount, scratch: UnsafeMutablePointer<S.Vector>) {
    let nr = S.Vector.scalarCount
    var (rows, next) = (scratch, scratch + nr)
    for r in 0..<nr { rows[r] = UnsafeRawPointer(from + r * ldb).loadUnaligned(as: S.Vector.self) }
    for _ in 0..<nr.trailingZeroBitCount {
        for i in 0..<nr / 2 { (next[i], next[i + nr / 2]) = S.unzip(rows[2 * i], rows[2 * i + 1]) }
        swap(&rows, &next)
    }
    for r in 0..<nr { UnsafeMutableRawPointer(to + r * ldt).storeBytes(of: rows[r], as: S.Vector.self) }
}

extension Float {
    /// The even lanes of a then those of b, and the odd lanes of a then those of b, of 16 lanes each.
    public static func unzip(_ a: Vector, _ b: Vector) -> (even: Vector, odd: Vector) {
        (Vector(lowHalf: a.evenHalf, highHalf: b.evenHalf), Vector(lowHalf: a.oddHalf, highHalf: b.oddHalf))
    }
}

extension Double {
    /// The even lanes of a then those of b, and the odd lanes of a then those of b, of 8 lanes each.
    public static func unzip(_ a: Vector, _ b: Vector) -> (even: Vector, odd: Vector) {
        (Vector(lowHalf: a.evenHalf, highHalf: b.evenHalf), Vector(lowHalf: a.oddHalf, highHalf: b.oddHalf))
    }
}
