import DLFSCore

/// Dropout, the book's `Dropout`: in training each element is kept where a uniform draw in [0, 1) exceeds
/// `ratio` (mask 1) and zeroed elsewhere, out = x · mask; in inference out = x · (1 − ratio), the book's
/// scaling (not inverted dropout). Backward: dx = dout · mask (dout · (1 − ratio) after an inference forward).
/// Any shape; the mask has x's shape.
///
/// The layer draws its masks from its own generator, so a seeded network drops the same elements every run.
public struct Dropout<Scalar: TensorScalar>: Layer {
    /// The probability of dropping an element, in [0, 1).
    public let ratio: Double
    /// When true, training forwards reuse the last mask instead of drawing a new one (the first forward
    /// still draws one): a numerical gradient check then sees the same function as backprop.
    public var isMaskFrozen = false
    /// The last training mask: 1 where the element was kept, 0 where it was dropped.
    public private(set) var mask: Tensor<Scalar>?
    private var rng: SeededGenerator
    private var lastForwardWasTraining = true

    /// A layer whose masks come from a generator seeded with `seed`.
    public init(ratio: Double = 0.5, seed: UInt64) {
        precondition(ratio >= 0 && ratio < 1, "Dropout: ratio must be in [0, 1), got \(ratio)")
        self.ratio = ratio
        rng = SeededGenerator(seed: seed)
    }

    /// A layer seeded from `rng` (one draw), so the network built from one generator is reproducible.
    public init(ratio: Double = 0.5, using rng: inout SeededGenerator) {
        self.init(ratio: ratio, seed: rng.next())
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        var y = x
        lastForwardWasTraining = isTraining
        guard isTraining else {
            let keep = Scalar(1 - ratio)
            y.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= keep } }
            return y
        }
        if let mask, isMaskFrozen {
            precondition(mask.shape == y.shape, "Dropout: input \(y.shape) does not fit the frozen mask \(mask.shape)")
        } else {
            mask = Self.drawMask(y.shape, ratio: ratio, using: &rng)
        }
        mask!.withUnsafeBufferPointer { m in
            y.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= m[i] } }
        }
        return y
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        guard lastForwardWasTraining else { return dout * Scalar(1 - ratio) }
        guard let mask else { preconditionFailure("Dropout.backward before forward") }
        precondition(dout.shape == mask.shape, "Dropout.backward: dout \(dout.shape) for output \(mask.shape)")
        return dout * mask
    }

    public var spec: LayerSpec { .dropout(ratio: ratio) }

    /// 1 where a uniform draw in [0, 1) exceeds `ratio`, else 0: `np.random.rand(*shape) > ratio`.
    private static func drawMask(_ shape: [Int], ratio: Double, using rng: inout SeededGenerator) -> Tensor<Scalar> {
        Tensor(shape: shape) { m in
            for i in m.indices { m[i] = rng.nextUnit() > ratio ? 1 : 0 }
        }
    }
}
