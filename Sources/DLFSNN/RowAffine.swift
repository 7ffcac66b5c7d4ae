import DLFSCore

/// An affine layer with its activation, laid out to take one input row at a time: y = activation(x · W + b).
///
/// For inference over images, where a GEMM's packing and blocking cost more than they save on one row or
/// on a sparse one: each input x[i] scales one contiguous row of W, vectorised across the outputs, and the
/// outputs stay in registers for the whole sum. (Dense blocks of rows, a batch's later layers, go through
/// the GEMM on the same padded weights: `apply(rows:…)`.) W's and b's columns are zero-padded to whole
/// half vectors (32 bytes: 8 floats or 4 doubles), so no output needs a scalar tail; for 50 outputs a row
/// of W is 224 bytes rather than the 256 of a whole-vector padding, an eighth less to bring from L2 for
/// each input. With `skippingZeros`, the rows of W whose input is exactly 0 are not read — exact, since
/// the weights are finite (0 · w = 0) — and about 80% of an MNIST digit's pixels are 0.
///
///     let layer = RowAffine(weights: w1, bias: b1, activation: .sigmoid)   // w1 (784, 50), b1 (50)
///     layer.apply(image, to: hidden, skippingZeros: true)                // hidden holds paddedOutputs
public struct RowAffine<S: TensorScalar>: Sendable {
    /// The function applied to each output while it is still in a register.
    public enum Activation: String, Sendable, CaseIterable {
        /// x · W + b as it is.
        case identity
        /// σ(x · W + b), the book's chapter-3 hidden layers.
        case sigmoid
        /// max(0, x · W + b).
        case relu
    }

    /// Values per input row.
    public let inputs: Int
    /// Values per output row.
    public let outputs: Int
    /// `outputs` rounded up to whole half vectors: the row length `apply` writes.
    public let paddedOutputs: Int
    /// The activation applied to each output.
    public let activation: Activation
    /// (inputs, paddedOutputs), the padding columns 0; a tensor's storage starts on a cache line, so
    /// every row of W starts on a 32-byte boundary.
    @usableFromInline let weights: Tensor<S>
    /// paddedOutputs rounded up to whole vectors, the padding 0, so a last half vector loads as a whole one.
    @usableFromInline let bias: Tensor<S>

    /// Room for this many row indices in the `indices` buffer that `apply` may be given.
    public var indexCapacity: Int { inputs + 8 }

    /// Takes W (inputs, outputs) and b (outputs). The caller checks that they are finite when it asks
    /// `apply` to skip zeros.
    public init(weights: Tensor<S>, bias: Tensor<S>, activation: Activation) {
        let (k, m) = weights.matrixShape
        precondition(weights.rank == 2 && bias.count == m, "RowAffine: weights \(weights.shape), bias \(bias.shape)")
        precondition(k < Int(Int32.max) - 8, "RowAffine: \(k) inputs, more than the 32-bit row list holds")
        let half = S.HalfVector.scalarCount, whole = S.Vector.scalarCount
        let padded = (m + half - 1) / half * half
        (inputs, outputs, paddedOutputs, self.activation) = (k, m, padded, activation)
        self.weights = Tensor(shape: [k, padded]) { w in
            w.initialize(repeating: 0)
            weights.withUnsafeBufferPointer { source in
                for i in 0..<k { for j in 0..<m { w[i * padded + j] = source[i * m + j] } }
            }
        }
        self.bias = Tensor(shape: [(padded + whole - 1) / whole * whole]) { b in
            b.initialize(repeating: 0)
            bias.withUnsafeBufferPointer { source in for j in 0..<m { b[j] = source[j] } }
        }
    }

    /// y[0..<paddedOutputs] = activation(x[0..<inputs] · W + b); the padding lanes hold activation(0).
    /// `indices`, room for `indexCapacity`, saves an allocation per row when a caller runs many rows.
    /// Inlinable, so each caller compiles it for its element type.
    @inlinable
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func apply(_ x: UnsafePointer<S>, to y: UnsafeMutablePointer<S>, skippingZeros: Bool = false,
                      indices: UnsafeMutablePointer<Int32>? = nil) {
        withIndices(indices) { list in
            let used = skippingZeros ? Self.listNonzero(x, inputs, into: list) : inputs
            if !skippingZeros { for i in 0..<inputs { list[i] = Int32(truncatingIfNeeded: i) } }
            run({ x[$0] }, UnsafeBufferPointer(start: list, count: used), y)
        }
    }

    /// The same for an input kept as bytes, byte b standing for values[b] (an image's pixels and
    /// b / 255): zero bytes are skipped (values[0] must be 0) and only the others are looked up, so a
    /// batch of images needs no conversion to floating point first. Gives the bits that `apply` gives for
    /// the converted row.
    @inlinable
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func apply(bytes x: UnsafePointer<UInt8>, values: UnsafePointer<S>, to y: UnsafeMutablePointer<S>,
                      indices: UnsafeMutablePointer<Int32>? = nil) {
        precondition(values[0] == 0, "RowAffine: byte 0 must stand for 0 to be skipped")
        withIndices(indices) { list in
            let used = Self.listNonzero(bytes: x, inputs, into: list)
            run({ values[Int(x[$0])] }, UnsafeBufferPointer(start: list, count: used), y)
        }
    }

    /// The layer over `rows` dense rows at once, through the GEMM, which reuses each loaded weight for
    /// six rows: x's rows are `xStride` apart, y's `yStride` (at least `paddedOutputs`); padding lanes
    /// hold activation(0), as with `apply`. Bias and activation go through `finish`, as in `apply`, not
    /// `biasActivation`, whose tail goes through memory: with it the chapter-3 batches took 3-4% longer.
    @inlinable
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func apply(rows: Int, _ x: UnsafePointer<S>, xStride: Int, to y: UnsafeMutablePointer<S>, yStride: Int) {
        weights.withUnsafeBufferPointer { w in
            gemm(m: rows, n: paddedOutputs, k: inputs, a: x, lda: xStride, b: w.baseAddress!, ldb: paddedOutputs,
                 c: y, ldc: yStride, threads: 1)
        }
        let whole = S.Vector.scalarCount
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = y + r * yStride
                for j in stride(from: 0, to: paddedOutputs, by: whole) {
                    let full = j + whole <= paddedOutputs
                    let sums = full ? UnsafeRawPointer(row + j).loadUnaligned(as: S.Vector.self)
                        : Self.joined(UnsafeRawPointer(row + j).loadUnaligned(as: S.HalfVector.self), S.HalfVector())
                    Self.finish(sums, at: j, whole: full, b.baseAddress!, activation, row)
                }
            }
        }
    }

    @inlinable @inline(__always)
    func withIndices(_ given: UnsafeMutablePointer<Int32>?, _ body: (UnsafeMutablePointer<Int32>) -> Void) {
        if let given { return body(given) }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: indexCapacity) { body($0.baseAddress!) }
    }

    @inlinable @inline(__always)
    func run(_ x: (Int) -> S, _ rows: UnsafeBufferPointer<Int32>, _ y: UnsafeMutablePointer<S>) {
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Self.product(x, rows, w.baseAddress!, b.baseAddress!, paddedOutputs, activation, y)
            }
        }
    }

    /// Writes the indices of the nonzero x[i] to `rows` (room for k + 8) and returns their count. Eight
    /// inputs at a time and without a branch, so the product loops do not mispredict on the pattern of
    /// zeros: the nonzero lanes (on the bits, sign dropped: -0 counts as 0, NaN as nonzero) make an 8-bit
    /// mask, which picks the list of their positions from a table, stored whole.
    @inlinable @inline(__always)
    static func listNonzero(_ x: UnsafePointer<S>, _ k: Int, into rows: UnsafeMutablePointer<Int32>) -> Int {
        var used = 0, i = 0
        eightLanePositions.withUnsafeBufferPointer { table in
            while i &+ 8 <= k {
                let mask = nonzeroMask(UnsafeRawPointer(x + i))
                UnsafeMutableRawPointer(rows + used).storeBytes(
                    of: table[mask] &+ SIMD8(repeating: Int32(truncatingIfNeeded: i)), as: SIMD8<Int32>.self)
                used &+= mask.nonzeroBitCount
                i &+= 8
            }
        }
        while i < k {
            rows[used] = Int32(truncatingIfNeeded: i)
            used &+= UInt(truncatingIfNeeded: x[i].significandBitPattern) | UInt(x[i].exponentBitPattern) == 0 ? 0 : 1
            i &+= 1
        }
        return used
    }

    /// `listNonzero` for bytes, eight at a time in a 64-bit word: the top bit of each byte of
    /// ((w & 0x7F…) + 0x7F…) | w is set where the byte is not 0, and one multiplication gathers those
    /// eight bits into the low byte of the mask. Runs of 32 zero bytes are passed over with one test: an
    /// MNIST digit's first and last rows are blank, so the branch is predictable, and a quarter of the
    /// blocks cost nothing more.
    @inlinable @inline(__always)
    static func listNonzero(bytes x: UnsafePointer<UInt8>, _ k: Int, into rows: UnsafeMutablePointer<Int32>) -> Int {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        var used = 0, i = 0
        eightLanePositions.withUnsafeBufferPointer { table in
            @inline(__always) func list(_ w: UInt64, at i: Int) {
                let flags = ((((w & low7) &+ low7) | w) & high) >> 7            // 1 in each nonzero byte
                let mask = Int(truncatingIfNeeded: (flags &* 0x0102_0408_1020_4080) >> 56)
                UnsafeMutableRawPointer(rows + used).storeBytes(
                    of: table[mask] &+ SIMD8(repeating: Int32(truncatingIfNeeded: i)), as: SIMD8<Int32>.self)
                used &+= mask.nonzeroBitCount
            }
            while i &+ 32 <= k {
                let p = UnsafeRawPointer(x + i)
                let w0 = p.loadUnaligned(as: UInt64.self), w1 = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let w2 = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self), w3 = p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                if w0 | w1 | w2 | w3 != 0 {
                    list(w0, at: i); list(w1, at: i &+ 8); list(w2, at: i &+ 16); list(w3, at: i &+ 24)
                }
                i &+= 32
            }
            while i &+ 8 <= k {
                list(UnsafeRawPointer(x + i).loadUnaligned(as: UInt64.self), at: i)
                i &+= 8
            }
        }
        while i < k {
            rows[used] = Int32(truncatingIfNeeded: i)
            used &+= x[i] == 0 ? 0 : 1
            i &+= 1
        }
        return used
    }

    /// Bit l set when the l-th of the eight scalars at p is not ±0.
    @inlinable @inline(__always)
    static func nonzeroMask(_ p: UnsafeRawPointer) -> Int {
        if MemoryLayout<S>.size == 4 {
            let bits = p.loadUnaligned(as: SIMD8<UInt32>.self) &<< 1
            let flags = pointwiseMin(bits, SIMD8(repeating: 1)) &<< SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
            return Int(truncatingIfNeeded: flags.wrappedSum())
        } else {
            let bits = p.loadUnaligned(as: SIMD8<UInt64>.self) &<< 1
            let flags = pointwiseMin(bits, SIMD8(repeating: 1)) &<< SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
            return Int(truncatingIfNeeded: flags.wrappedSum())
        }
    }

    /// y = activation(Σ over the listed rows i of x[i] · w[i, :] + b), up to eight half vectors of
    /// outputs (eight AVX2 registers) per pass over the rows. A pass of four or fewer splits the rows into
    /// two sums, so that enough independent multiply-adds are in flight to hide their latency.
    @inlinable @inline(__always)
    static func product(_ x: (Int) -> S, _ rows: UnsafeBufferPointer<Int32>, _ w: UnsafePointer<S>,
                        _ b: UnsafePointer<S>, _ m: Int, _ activation: Activation, _ y: UnsafeMutablePointer<S>) {
        var u = 0
        let units = m / S.HalfVector.scalarCount
        while u < units {
            let n = Swift.min(8, units &- u)
            switch n {
            case 8: pass(8, from: u, x, rows, w, b, m, activation, y)
            case 7: pass(7, from: u, x, rows, w, b, m, activation, y)
            case 6: pass(6, from: u, x, rows, w, b, m, activation, y)
            case 5: pass(5, from: u, x, rows, w, b, m, activation, y)
            case 4: pass(4, from: u, x, rows, w, b, m, activation, y)
            case 3: pass(3, from: u, x, rows, w, b, m, activation, y)
            case 2: pass(2, from: u, x, rows, w, b, m, activation, y)
            default: pass(1, from: u, x, rows, w, b, m, activation, y)
            }
            u &+= n
        }
    }

    /// One pass of `product` over the rows for n half vectors of outputs from column unit u on. Always
    /// inlined with a constant n, so that each width compiles to its own loop with no tests inside
    /// (transparent: `@inline(__always)` alone left it a function that tested n inside the loop).
    @usableFromInline @_transparent
    static func pass(_ n: Int, from u: Int, _ x: (Int) -> S, _ rows: UnsafeBufferPointer<Int32>, _ w: UnsafePointer<S>,
                     _ b: UnsafePointer<S>, _ m: Int, _ activation: Activation, _ y: UnsafeMutablePointer<S>) {
        typealias U = S.HalfVector
        let width = U.scalarCount, unit = MemoryLayout<U>.stride, rowBytes = m &* MemoryLayout<S>.stride
        let count = rows.count
        // Byte offsets from here on: the loops below do no overflow checks.
        let columns = UnsafeRawPointer(w + u &* width)
        var a0 = U(), a1 = U(), a2 = U(), a3 = U(), a4 = U(), a5 = U(), a6 = U(), a7 = U()
        if n > 4 {
            for r in rows {
                let row = columns + Int(r) &* rowBytes, v = U(repeating: x(Int(r)))
                a0 = a0.addingProduct(v, row.loadUnaligned(as: U.self))
                a1 = a1.addingProduct(v, row.loadUnaligned(fromByteOffset: unit, as: U.self))
                a2 = a2.addingProduct(v, row.loadUnaligned(fromByteOffset: 2 &* unit, as: U.self))
                a3 = a3.addingProduct(v, row.loadUnaligned(fromByteOffset: 3 &* unit, as: U.self))
                a4 = a4.addingProduct(v, row.loadUnaligned(fromByteOffset: 4 &* unit, as: U.self))
                if n > 5 { a5 = a5.addingProduct(v, row.loadUnaligned(fromByteOffset: 5 &* unit, as: U.self)) }
                if n > 6 { a6 = a6.addingProduct(v, row.loadUnaligned(fromByteOffset: 6 &* unit, as: U.self)) }
                if n > 7 { a7 = a7.addingProduct(v, row.loadUnaligned(fromByteOffset: 7 &* unit, as: U.self)) }
            }
        } else {
            // Even positions of the list into a0…a3, odd ones into a4…a7.
            var p = 0
            while p &+ 1 < count {
                let i = Int(rows[p]), l = Int(rows[p &+ 1]), v = U(repeating: x(i)), t = U(repeating: x(l))
                let first = columns + i &* rowBytes, second = columns + l &* rowBytes
                a0 = a0.addingProduct(v, first.loadUnaligned(as: U.self))
                a4 = a4.addingProduct(t, second.loadUnaligned(as: U.self))
                if n > 1 {
                    a1 = a1.addingProduct(v, first.loadUnaligned(fromByteOffset: unit, as: U.self))
                    a5 = a5.addingProduct(t, second.loadUnaligned(fromByteOffset: unit, as: U.self))
                }
                if n > 2 {
                    a2 = a2.addingProduct(v, first.loadUnaligned(fromByteOffset: 2 &* unit, as: U.self))
                    a6 = a6.addingProduct(t, second.loadUnaligned(fromByteOffset: 2 &* unit, as: U.self))
                }
                if n > 3 {
                    a3 = a3.addingProduct(v, first.loadUnaligned(fromByteOffset: 3 &* unit, as: U.self))
                    a7 = a7.addingProduct(t, second.loadUnaligned(fromByteOffset: 3 &* unit, as: U.self))
                }
                p &+= 2
            }
            if p < count {
                let i = Int(rows[p]), v = U(repeating: x(i)), row = columns + i &* rowBytes
                a0 = a0.addingProduct(v, row.loadUnaligned(as: U.self))
                if n > 1 { a1 = a1.addingProduct(v, row.loadUnaligned(fromByteOffset: unit, as: U.self)) }
                if n > 2 { a2 = a2.addingProduct(v, row.loadUnaligned(fromByteOffset: 2 &* unit, as: U.self)) }
                if n > 3 { a3 = a3.addingProduct(v, row.loadUnaligned(fromByteOffset: 3 &* unit, as: U.self)) }
            }
            (a0, a1, a2, a3) = (a0 + a4, a1 + a5, a2 + a6, a3 + a7)
        }
        let j = u &* width
        finish(joined(a0, a1), at: j, whole: n > 1, b, activation, y)
        if n > 2 { finish(joined(a2, a3), at: j &+ 2 &* width, whole: n > 3, b, activation, y) }
        if n > 4 { finish(joined(a4, a5), at: j &+ 4 &* width, whole: n > 5, b, activation, y) }
        if n > 6 { finish(joined(a6, a7), at: j &+ 6 &* width, whole: n > 7, b, activation, y) }
    }

    /// Two half vectors as one vector.
    @inlinable @inline(__always)
    static func joined(_ low: S.HalfVector, _ high: S.HalfVector) -> S.Vector {
        unsafeBitCast((low, high), to: S.Vector.self)
    }

    /// y[j…] = activation(sums + b[j…]), a whole vector or (not `whole`) its low half.
    @inlinable @inline(__always)
    static func finish(_ sums: S.Vector, at j: Int, whole: Bool, _ b: UnsafePointer<S>, _ activation: Activation,
                       _ y: UnsafeMutablePointer<S>) {
        var v = sums + UnsafeRawPointer(b + j).loadUnaligned(as: S.Vector.self)
        switch activation {
        case .identity: break
        case .sigmoid: v = S.sigmoid(v)
        case .relu: v.replace(with: 0, where: v .< 0)
        }
        let out = UnsafeMutableRawPointer(y + j)
        if whole {
            out.storeBytes(of: v, as: S.Vector.self)
        } else {
            out.storeBytes(of: unsafeBitCast(v, to: (S.HalfVector, S.HalfVector).self).0, as: S.HalfVector.self)
        }
    }
}

/// For each 8-bit mask, the positions of its set bits in order, then zeros: `listNonzero`'s table.
@usableFromInline
let eightLanePositions: [SIMD8<Int32>] = (0..<256).map { mask in
    var lanes = SIMD8<Int32>(), count = 0
    for bit in 0..<8 where mask & (1 << bit) != 0 { lanes[count] = Int32(bit); count += 1 }
    return lanes
}
