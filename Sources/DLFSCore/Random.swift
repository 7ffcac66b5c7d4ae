import RealModule

/// A small, fast, seeded random number generator (xoshiro256**, seeded through SplitMix64).
///
/// DLFS has no global random state: every function that draws numbers takes a generator, so a seed
/// reproduces a run exactly, whatever the thread count.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let w = Tensor<Float>.randomNormal([784, 50], standardDeviation: 0.01, using: &rng)
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal sample (Box–Muller, one fresh pair per call: simple and reproducible).
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUnit()          // (0, 1]: log stays finite
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in 0..<bound, without modulo bias.
    public mutating func nextIndex(below bound: Int) -> Int {
        Int(next(upperBound: UInt64(bound)))
    }
}

extension Tensor {
    /// Samples of N(mean, standardDeviation²), like `np.random.randn(*shape) * std + mean`.
    public static func randomNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using rng: inout SeededGenerator
    ) -> Tensor {
        Tensor(shape: shape) { out in
            for i in out.indices { out[i] = Scalar(rng.nextNormal()) * standardDeviation + mean }
        }
    }

    /// Samples uniform in [lower, upper).
    public static func randomUniform(
        _ shape: [Int], in range: Range<Scalar> = 0..<1, using rng: inout SeededGenerator
    ) -> Tensor {
        Tensor(shape: shape) { out in
            for i in out.indices {
                out[i] = range.lowerBound + Scalar(rng.nextUnit()) * (range.upperBound - range.lowerBound)
            }
        }
    }
}
