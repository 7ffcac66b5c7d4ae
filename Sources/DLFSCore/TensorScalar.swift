import RealModule

/// The element types a `Tensor` holds: `Float` and `Double`.
///
/// `Vector` is the SIMD type the kernels work in: 64 bytes wide (16 floats or 8 doubles), which is two AVX2
/// registers or one AVX-512 register, so one micro-kernel shape serves both element types.
public protocol TensorScalar: BinaryFloatingPoint, Real, SIMDScalar, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// A SIMD vector of 64 bytes, the unit of the kernels' loops and micro-tiles.
    associatedtype Vector: SIMD where Vector.Scalar == Self, Vector: Sendable
    /// Half a `Vector`, 32 bytes: one AVX2 register, the unit DLFSNN's `RowAffine` pads its rows to.
    associatedtype HalfVector: SIMD where HalfVector.Scalar == Self
    /// Short dtype name as safetensors spells it (`F32`, `F64`).
    static var dtypeName: String { get }
    /// eˣ in every lane, vectorised (Kernels/VectorMath.swift); inputs beyond the finite range clamp to
    /// its ends, so no number gives inf or NaN.
    static func exp(_ x: Vector) -> Vector
    /// 1 / (1 + e⁻ˣ) in every lane, finite for every input (Kernels/VectorMath.swift).
    static func sigmoid(_ x: Vector) -> Vector
    /// √x in every lane, exact, one instruction for the vector (Kernels/VectorMath.swift).
    static func squareRoot(_ x: Vector) -> Vector
    /// The even lanes of a then those of b, and the odd lanes of a then those of b: one round of a
    /// transpose in registers (Kernels/Packing.swift).
    static func unzip(_ a: Vector, _ b: Vector) -> (even: Vector, odd: Vector)
}

extension Float: TensorScalar {
    /// One AVX-512 register of floats (two AVX2 registers).
    public typealias Vector = SIMD16<Float>
    /// Half of `Vector`.
    public typealias HalfVector = SIMD8<Float>
    /// The safetensors dtype.
    public static var dtypeName: String { "F32" }
}

extension Double: TensorScalar {
    /// One AVX-512 register of doubles (two AVX2 registers).
    public typealias Vector = SIMD8<Double>
    /// Half of `Vector`.
    public typealias HalfVector = SIMD4<Double>
    /// The safetensors dtype.
    public static var dtypeName: String { "F64" }
}
