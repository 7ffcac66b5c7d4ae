import CPrefetch

/// Vectorised `exp` and `sigmoid` over whole `S.Vector`s.
///
/// A loop calling `Float.exp` runs one libm call per element; this polynomial runs 16 lanes at a time
/// (about 7× faster here). exp(x) = 2ⁿ · e^r with n = round(x / ln 2), r = x − n·ln 2 (|r| ≤ ln2/2, in two
/// parts so r is exact), e^r from a polynomial, 2ⁿ built in the exponent bits. Accuracy: about 2 ulp.
extension Float {
    /// eˣ in each of 16 lanes, about 2 ulp from the exact value; inputs are clamped to [−87.3, 88.3].
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let x = clampedForExp(x)
        // Adding 1.5·2²³ rounds x·log₂e to the nearest integer n and leaves n in the low mantissa bits
        // (SIMD's `rounded` and lane-wise float → int conversion go through slow scalar generic code).
        // Fused multiply-adds throughout: half the instructions of separate products and sums, and one
        // rounding each (`V(c).addingProduct(p, r)` is c + p·r).
        typealias V = SIMD16<Float>
        let t = V(repeating: 12_582_912).addingProduct(x, 1.442_695_04)
        let n = t - 12_582_912
        let r = x.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
        var p = V(repeating: 1.398_199_95e-3).addingProduct(r, 1.987_569_15e-4)
        p = V(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_59e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_55e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_12e-1).addingProduct(p, r)
        p = r.addingProduct(p, r * r) + 1
        let shifted = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
        return p * unsafeBitCast((shifted &+ 127) &<< 23, to: SIMD16<Float>.self)
    }
}

extension Double {
    /// eˣ in each of 8 lanes from a degree-13 Taylor polynomial; inputs are clamped to [−708, 709].
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let x = clampedForExp(x)
        typealias V = SIMD8<Double>
        let t = V(repeating: 6_755_399_441_055_744).addingProduct(x, 1.442_695_040_888_963_4)  // rounds, as for Float
        let n = t - 6_755_399_441_055_744
        let r = x.addingProduct(n, -6.931_471_803_691_238_2e-1).addingProduct(n, -1.908_214_929_270_587_7e-10)
        // Taylor series to r¹³: the next term is below 5e-18 for |r| ≤ ln2/2.
        var p = V(repeating: 1.0 / 6_227_020_800)
        for d in stride(from: 12, through: 1, by: -1) { p = V(repeating: 1 / Double(factorial(d))).addingProduct(p, r) }
        p = V(repeating: 1).addingProduct(p, r)
        let shifted = unsafeBitCast(t, to: SIMD8<Int64>.self) &- 0x4338_0000_0000_0000
        return p * unsafeBitCast((shifted &+ 1023) &<< 52, to: SIMD8<Double>.self)
    }
}

/// x limited to [−87.3, 88.3], where 2ⁿ has a normal exponent; NaN stays NaN. Done on the bits (for
/// floats of one sign, larger magnitude means larger bits), since SIMD `clamped` and `pointwiseMin`
/// run lane by lane with NaN checks.
@inlinable @inline(__always)
func clampedForExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let bits = unsafeBitCast(x, to: SIMD16<Int32>.self)
    let sign = bits & Int32(bitPattern: 0x8000_0000), magnitude = bits & 0x7FFF_FFFF
    let negative = bits &>> 31
    let limit = (Int32(bitPattern: (87.3 as Float).bitPattern) & negative)
        | (Int32(bitPattern: (88.3 as Float).bitPattern) & ~negative)
    let over = (limit &- magnitude) &>> 31                   // all ones where |x| > limit
    let nan = (0x7F80_0000 &- magnitude) &>> 31              // all ones where x is NaN
    let clamped = (magnitude & ~over) | (limit & over) | (0x7FC0_0000 & nan)
    return unsafeBitCast(clamped | sign, to: SIMD16<Float>.self)
}

/// x limited to [−708, 709] as for Float.
@inlinable @inline(__always)
func clampedForExp(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
    let sign = bits & Int64(bitPattern: 0x8000_0000_0000_0000), magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
    let negative = bits &>> 63
    let limit = (Int64(bitPattern: (708.0).bitPattern) & negative) | (Int64(bitPattern: (709.0).bitPattern) & ~negative)
    let over = (limit &- magnitude) &>> 63
    let nan = (0x7FF0_0000_0000_0000 &- magnitude) &>> 63
    let clamped = (magnitude & ~over) | (limit & over) | (0x7FF8_0000_0000_0000 & nan)
    return unsafeBitCast(clamped | sign, to: SIMD8<Double>.self)
}

@inlinable @inline(__always)
func factorial(_ n: Int) -> Int { n <= 1 ? 1 : n * factorial(n - 1) }

extension Float {
    /// 1 / (1 + e⁻ˣ) in each of 16 lanes, finite for every input.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> { sigmoid(x, bits: SIMD16<Int32>.self) }
}

extension Double {
    /// 1 / (1 + e⁻ˣ) in each of 8 lanes, finite for every input.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: SIMD8<Double>) -> SIMD8<Double> { sigmoid(x, bits: SIMD8<Int64>.self) }
}

/// √x lane by lane in one instruction: SIMD's own `squareRoot()` takes the lanes one at a time.
extension Float {
    /// √x in each of 16 lanes, rounded as the scalar square root.
    @inlinable @inline(__always)
    public static func squareRoot(_ x: SIMD16<Float>) -> SIMD16<Float> { dlfs_sqrt_float16(x) }
}

extension Double {
    /// √x in each of 8 lanes, rounded as the scalar square root.
    @inlinable @inline(__always)
    public static func squareRoot(_ x: SIMD8<Double>) -> SIMD8<Double> { dlfs_sqrt_double8(x) }
}

/// 1 / (1 + e⁻ˣ), exact in form and finite for every input: e^−|x| never overflows, and for x < 0 the
/// result is e^x / (1 + e^x), so large negative inputs (raw 0-255 pixels times weights) give tiny positive
/// values rather than 1/inf. |x| and the choice between the two forms are bit operations on the sign:
/// SIMD comparisons and masked `replacing` run lane by lane, several times slower than the whole sigmoid.
extension TensorScalar {
    /// The sigmoid of Float's and Double's vectors, `Bits` being the signed integers of the lanes' width.
    @inlinable @inline(__always)
    static func sigmoid<Bits: SIMD>(_ x: Vector, bits _: Bits.Type) -> Vector
    where Bits.Scalar: FixedWidthInteger & SignedInteger {
        let bits = unsafeBitCast(x, to: Bits.self)
        let e = Self.exp(-unsafeBitCast(bits & Bits(repeating: .max), to: Vector.self))   // e^−|x| in (0, 1]
        let s = 1 / (1 + e)
        let negative = bits &>> Bits.Scalar(Bits.Scalar.bitWidth - 1)                   // all ones where x < 0
        let chosen = (unsafeBitCast(e * s, to: Bits.self) & negative) | (unsafeBitCast(s, to: Bits.self) & ~negative)
        return unsafeBitCast(chosen, to: Vector.self)
    }
}

/// The vector functions `TensorScalar.apply` runs over a buffer.
public enum VectorFunction: Sendable {
    /// `TensorScalar.exp`.
    case exp
    /// `TensorScalar.sigmoid`.
    case sigmoid
}

extension TensorScalar {
    /// Applies a vector function to a buffer in place: whole vectors, then the tail through a padded vector.
    /// The function is named, not passed as a closure: with a constant case the switch folds away and the
    /// function's body is inlined into the loop, which a closure parameter is not.
    @inlinable @inline(__always)
    public static func apply(_ buffer: UnsafeMutablePointer<Self>, count: Int, _ function: VectorFunction) {
        @inline(__always) func f(_ v: Vector) -> Vector {
            switch function {
            case .exp: exp(v)
            case .sigmoid: sigmoid(v)
            }
        }
        let width = Vector.scalarCount
        let raw = UnsafeMutableRawPointer(buffer)
        var i = 0
        while i + width <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Self>.stride, as: Vector.self)
            raw.storeBytes(of: f(v), toByteOffset: i * MemoryLayout<Self>.stride, as: Vector.self)
            i += width
        }
        if i < count { store(f(paddedVector(from: buffer + i, count: count - i)), firstLanes: count - i, to: buffer + i) }
    }

    /// The `count` values from `source`, fewer than a vector, in a vector padded with zeros. Copied in words:
    /// setting lanes one by one goes through memory.
    @inlinable @inline(__always)
    public static func paddedVector(from source: UnsafePointer<Self>, count: Int) -> Vector {
        var v = Vector()
        withUnsafeMutableBytes(of: &v) { copyWords(from: source, to: $0.baseAddress!, count * MemoryLayout<Self>.stride) }
        return v
    }

    /// Writes the first `count` lanes of `v` from `target` on, in words, as `paddedVector` reads them.
    @inlinable @inline(__always)
    public static func store(_ v: Vector, firstLanes count: Int, to target: UnsafeMutablePointer<Self>) {
        withUnsafeBytes(of: v) { copyWords(from: $0.baseAddress!, to: target, count * MemoryLayout<Self>.stride) }
    }
}

/// Copies a whole number of 4-byte words, 8 bytes at a time: for the few bytes of a vector's tail, where
/// a call to memmove (what `copyMemory` becomes) costs more than the copy. Softmax over 10 classes has one.
@inlinable @inline(__always)
func copyWords(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, _ bytes: Int) {
    var offset = 0
    while offset + 8 <= bytes {
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset, as: UInt64.self)
        offset += 8
    }
    if offset < bytes {
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: UInt32.self), toByteOffset: offset, as: UInt32.self)
    }
}

extension Tensor {
    /// Elementwise eˣ, vectorised.
    public func fastExp() -> Tensor {
        var out = self
        out.withUnsafeMutableBufferPointer { Scalar.apply($0.baseAddress!, count: $0.count, .exp) }
        return out
    }
}
