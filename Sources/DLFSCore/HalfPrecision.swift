/// Rounding to IEEE 754 half precision (float16: 11 significant bits, exponents −14…15, largest 65504),
/// kept in the wider type: NumPy's `x.astype(np.float16)` seen as a Float or Double. Written out rather
/// than through `Float16`, which some platforms lack.
extension BinaryFloatingPoint {
    /// The nearest float16 value, ties to even; beyond 65504 (from 65520 up) ±∞, below 2⁻²⁴'s half ±0.
    @inlinable
    public var roundedToHalfPrecision: Self {
        guard isFinite && !isZero else { return self }
        let magnitude = self.magnitude
        if magnitude >= 65520 { return self < 0 ? -.infinity : .infinity }
        // The spacing of float16 values around `magnitude`: 2⁻²⁴ for subnormals, else 2^(exponent − 10).
        let spacingExponent = Swift.max(Int(magnitude.exponent), -14) - 10
        let spacing = Self(sign: .plus, exponent: Self.Exponent(spacingExponent), significand: 1)
        return (self / spacing).rounded(.toNearestOrEven) * spacing
    }
}

extension Tensor {
    /// Every element rounded to half precision (`roundedToHalfPrecision`), as NumPy's `astype(np.float16)`.
    @inlinable
    public var roundedToHalfPrecision: Tensor { map(\.roundedToHalfPrecision) }
}
