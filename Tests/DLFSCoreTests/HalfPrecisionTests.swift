import DLFSCore
import Testing

@Suite("Rounding to half precision")
struct HalfPrecisionTests {
    /// NumPy: `np.array(values).astype(np.float16).astype(np.float64)`.
    static let cases: [(Double, Double)] = [
        (0.1, 0.0999755859375), (1.0 / 3, 0.333251953125), (2.0 / 3, 0.66650390625), (65504, 65504),
        (65519.99, 65504), (65520, .infinity), (-70000, -.infinity), (1e-8, 0),
        (2.9802322387695312e-08, 0),  // 2⁻²⁵, a tie between 0 and the smallest subnormal: to even, 0
        (4.47034836e-08, 5.960464477539063e-08), (6.1e-05, 6.097555160522461e-05), (6.103515625e-05, 6.103515625e-05),
        (1.00146484375, 1.001953125), (1.001220703125, 1.0009765625), (3.14159265, 3.140625), (-0.1, -0.0999755859375),
    ]

    @Test("Doubles round as NumPy's astype(np.float16): ties to even, subnormals, overflow to infinity")
    func doubles() {
        for (value, expected) in Self.cases {
            #expect(value.roundedToHalfPrecision == expected, "\(value)")
        }
        #expect((-0.0).roundedToHalfPrecision.sign == .minus && Double.nan.roundedToHalfPrecision.isNaN)
    }

    @Test("Floats and tensors round the same way")
    func floatsAndTensors() {
        let finite = Self.cases.filter { abs($0.0) < 1e5 }
        let tensor = Tensor<Float>(shape: [finite.count], scalars: finite.map { Float($0.0) }).roundedToHalfPrecision
        for (k, (value, expected)) in finite.enumerated() {
            // Float(value) may itself round (0.1 → 0.100000001…), but never across a float16 rounding boundary here.
            #expect(tensor.scalars[k] == Float(expected), "\(value)")
        }
    }
}
