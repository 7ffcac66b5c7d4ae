/// An affine layer with its activation, laid out to take one input row at a time: y = activation(x · W + b).
///
/// For inference over images, where a GEMM's packing and blocking cost more than they save: each input
/// x[i] scales one contiguous row of W, vectorised across the outputs, and the outputs stay in registers
/// for the whole sum. W's and b's columns are zero-padded to whole vectors, so no output needs a scalar
/// tail. With `skippingZeros`, the rows of W whose input is exactly 0 are not read — exact, since the
/// weights are finite (0 · w = 0) — and about 80% of an MNIST digit's pixels are 0.
///
///     let layer = RowAffine(weights: w1, bias: b1, activation: .sigmoid)   // w1 (784, 50), b1 (50)
///     layer.apply(image, to: hidden, skippingZeros: true)                // hidden holds paddedOutputs
public struct RowAffine<S: TensorScalar>: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// `outputs` rounded up to whole vectors: the row length `apply` writes.
    public let paddedOutputs: Int
    public let activation: Activation
    /// (inputs, paddedOutputs), the padding columns 0; a tensor's storage starts on a cache line, so
    /// every row of W does.
    @usableFromInline let weights: Tensor<S>
    @usableFromInline let bias: Tensor<S>

    /// Takes W (inputs, outputs) and b (outputs). The caller checks that they are finite when it asks
    /// `apply` to skip zeros.
    public init(weights: Tensor<S>, bias: Tensor<S>, activation: Activation) {
        let (k, m) = weights.matrixShape
        precondition(weights.rank == 2 && bias.count == m, "RowAffine: weights \(weights.shape), bias \(bias.shape)")
        precondition(k < Int(Int32.max) - 8, "RowAffine: \(k) inputs, more than the 32-bit row list holds")
        let width = S.Vector.scalarCount
        let padded = (m + width - 1) / width * width
        (inputs, outputs, paddedOutputs, self.activation) = (k, m, padded, activation)
        self.weights = Tensor(shape: [k, padded]) { w in
            w.initialize(repeating: 0)
            weights.withUnsafeBufferPointer { source in
                for i in 0..<k { for j in 0..<m { w[i * padded + j] = source[i * m + j] } }
            }
        }
        self.bias = Tensor(shape: [padded]) { b in
            b.initialize(repeating: 0)
            bias.withUnsafeBufferPointer { source in for j in 0..<m { b[j] = source[j] } }
        }
    }

    /// y[0..<paddedOutputs] = activation(x[0..<inputs] · W + b); the padding lanes hold activation(0).
    /// Inlinable, so each caller compiles it for its element type.
    @inlinable
    public func apply(_ x: UnsafePointer<S>, to y: UnsafeMutablePointer<S>, skippingZeros: Bool = false) {
        let k = inputs
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: k + 8) { list in
            let list = list.baseAddress!
            let used = skippingZeros ? Self.listNonzero(x, k, into: list) : k
            if !skippingZeros { for i in 0..<k { list[i] = Int32(truncatingIfNeeded: i) } }
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    Self.product({ x[$0] }, UnsafeBufferPointer(start: list, count: used), w.baseAddress!, b.baseAddress!,
                                 paddedOutputs, activation, y)
                }
            }
        }
    }

    /// The same for an input kept as bytes, byte b standing for values[b] (an image's pixels and
    /// b / 255): zero bytes are skipped (values[0] must be 0) and only the others are looked up, so a
    /// batch of images needs no conversion to floating point first. Gives the bits that `apply` gives for
    /// the converted row.
    @inlinable
    public func apply(bytes x: UnsafePointer<UInt8>, values: UnsafePointer<S>, to y: UnsafeMutablePointer<S>) {
        precondition(values[0] == 0, "RowAffine: byte 0 must stand for 0 to be skipped")
        let k = inputs
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: k + 8) { list in
            let list = list.baseAddress!
            let used = Self.listNonzero(bytes: x, k, into: list)
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    Self.product({ values[Int(x[$0])] }, UnsafeBufferPointer(start: list, count: used), w.baseAddress!,
                                 b.baseAddress!, paddedOutputs, activation, y)
                }
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
    /// eight bits into the low byte of the mask.
    @inlinable @inline(__always)
    static func listNonzero(bytes x: UnsafePointer<UInt8>, _ k: Int, into rows: UnsafeMutablePointer<Int32>) -> Int {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        var used = 0, i = 0
        eightLanePositions.withUnsafeBufferPointer { table in
            while i &+ 8 <= k {
                let w = UnsafeRawPointer(x + i).loadUnaligned(as: UInt64.self)
                let flags = ((((w & low7) &+ low7) | w) & high) >> 7            // 1 in each nonzero byte
                let mask = Int(truncatingIfNeeded: (flags &* 0x0102_0408_1020_4080) >> 56)
                UnsafeMutableRawPointer(rows + used).storeBytes(
                    of: table[mask] &+ SIMD8(repeating: Int32(truncatingIfNeeded: i)), as: SIMD8<Int32>.self)
                used &+= mask.nonzeroBitCount
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

    /// y = activation(Σ over the listed rows i of x[i] · w[i, :] + b), four or three vectors of outputs
    /// per pass over the rows; a last pass of one or two vectors splits the rows into two sums, so that
    /// enough independent multiply-adds are in flight to hide their latency.
    @inlinable @inline(__always)
    static func product(_ x: (Int) -> S, _ rows: UnsafeBufferPointer<Int32>, _ w: UnsafePointer<S>,
                        _ b: UnsafePointer<S>, _ m: Int, _ activation: Activation, _ y: UnsafeMutablePointer<S>) {
        typealias V = S.Vector
        let width = V.scalarCount, vector = MemoryLayout<V>.stride, rowBytes = m &* MemoryLayout<S>.stride
        let bias = UnsafeRawPointer(b), out = UnsafeMutableRawPointer(y)
        @inline(__always) func store(_ sum: V, _ j: Int) {
            let offset = j &* MemoryLayout<S>.stride
            var v = sum + bias.loadUnaligned(fromByteOffset: offset, as: V.self)
            switch activation {
            case .identity: break
            case .sigmoid: v = S.sigmoid(v)
            case .relu: v.replace(with: 0, where: v .< 0)
            }
            out.storeBytes(of: v, toByteOffset: offset, as: V.self)
        }
        var j = 0
        while m &- j >= 3 &* width {
            // Byte offsets from here on: the loops below do no overflow checks.
            let columns = UnsafeRawPointer(w + j)
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            if m &- j >= 4 &* width {
                for r in rows {
                    let row = columns + Int(r) &* rowBytes, v = V(repeating: x(Int(r)))
                    a0 = a0.addingProduct(v, row.loadUnaligned(as: V.self))
                    a1 = a1.addingProduct(v, row.loadUnaligned(fromByteOffset: vector, as: V.self))
                    a2 = a2.addingProduct(v, row.loadUnaligned(fromByteOffset: 2 &* vector, as: V.self))
                    a3 = a3.addingProduct(v, row.loadUnaligned(fromByteOffset: 3 &* vector, as: V.self))
                }
                store(a3, j &+ 3 &* width)
            } else {
                for r in rows {
                    let row = columns + Int(r) &* rowBytes, v = V(repeating: x(Int(r)))
                    a0 = a0.addingProduct(v, row.loadUnaligned(as: V.self))
                    a1 = a1.addingProduct(v, row.loadUnaligned(fromByteOffset: vector, as: V.self))
                    a2 = a2.addingProduct(v, row.loadUnaligned(fromByteOffset: 2 &* vector, as: V.self))
                }
            }
            store(a0, j); store(a1, j &+ width); store(a2, j &+ 2 &* width)
            j &+= m &- j >= 4 &* width ? 4 &* width : 3 &* width
        }
        guard j < m else { return }
        let columns = UnsafeRawPointer(w + j), count = rows.count
        let two = m &- j == 2 &* width
        var a0 = V(), a1 = V(), c0 = V(), c1 = V()
        var p = 0
        if two {
            while p &+ 1 < count {
                let i = Int(rows[p]), l = Int(rows[p &+ 1]), u = V(repeating: x(i)), v = V(repeating: x(l))
                let first = columns + i &* rowBytes, second = columns + l &* rowBytes
                a0 = a0.addingProduct(u, first.loadUnaligned(as: V.self))
                a1 = a1.addingProduct(u, first.loadUnaligned(fromByteOffset: vector, as: V.self))
                c0 = c0.addingProduct(v, second.loadUnaligned(as: V.self))
                c1 = c1.addingProduct(v, second.loadUnaligned(fromByteOffset: vector, as: V.self))
                p &+= 2
            }
        } else {
            while p &+ 1 < count {
                let i = Int(rows[p]), l = Int(rows[p &+ 1])
                a0 = a0.addingProduct(V(repeating: x(i)), (columns + i &* rowBytes).loadUnaligned(as: V.self))
                c0 = c0.addingProduct(V(repeating: x(l)), (columns + l &* rowBytes).loadUnaligned(as: V.self))
                p &+= 2
            }
        }
        if p < count {
            let i = Int(rows[p]), u = V(repeating: x(i)), row = columns + i &* rowBytes
            a0 = a0.addingProduct(u, row.loadUnaligned(as: V.self))
            if two { a1 = a1.addingProduct(u, row.loadUnaligned(fromByteOffset: vector, as: V.self)) }
        }
        store(a0 + c0, j)
        if two { store(a1 + c1, j &+ width) }
    }
}

/// For each 8-bit mask, the positions of its set bits in order, then zeros: `listNonzero`'s table.
@usableFromInline
let eightLanePositions: [SIMD8<Int32>] = (0..<256).map { mask in
    var lanes = SIMD8<Int32>(), count = 0
    for bit in 0..<8 where mask & (1 << bit) != 0 { lanes[count] = Int32(bit); count += 1 }
    return lanes
}
