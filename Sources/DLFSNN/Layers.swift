import DLFSCore

/// out = x · W + b: x is (n, inputs) (or (n, …), flattened as the book's `Affine` does), W (inputs,
/// outputs), b (outputs). Backward: dW = xᵀ · dout, db = Σ_rows dout, dx = dout · Wᵀ (in x's shape).
public struct Affine<Scalar: TensorScalar>: WeightBiasLayer {
    /// The weights, (inputs, outputs).
    public var W: Tensor<Scalar>
    /// The bias, one per output.
    public var b: Tensor<Scalar>
    /// ∂L/∂W from the last backward pass.
    public var dW: Tensor<Scalar>
    /// ∂L/∂b from the last backward pass.
    public var db: Tensor<Scalar>
    /// The last input as a matrix, and its shape before flattening.
    private var x: Tensor<Scalar>?
    private var inputShape: [Int] = []

    /// An affine layer with given weights (inputs, outputs) and bias (outputs).
    public init(W: Tensor<Scalar>, b: Tensor<Scalar>) {
        Self.checkShapes(W: W, b: b)
        self.W = W; self.b = b
        dW = .zeros(W.shape); db = .zeros(b.shape)
    }

    /// W drawn from N(0, σ²) with σ from `weightInit` and the fan-in `inputs`, b zero (the book's init).
    public init(_ inputs: Int, _ outputs: Int, weightInit: WeightInit, using rng: inout SeededGenerator) {
        let sigma = Scalar(weightInit.standardDeviation(fanIn: inputs))
        self.init(W: .randomNormal([inputs, outputs], standardDeviation: sigma, using: &rng), b: .zeros([outputs]))
    }

    /// Values per input row.
    public var inputs: Int { W.shape[0] }
    /// Values per output row.
    public var outputs: Int { W.shape[1] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        forward(x, isTraining: isTraining, then: nil)
    }

    /// The forward pass with an elementwise `epilogue` (the next layer's activation) run on each block of
    /// rows as the product finishes it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool, then epilogue: Epilogue<Scalar>?) -> Tensor<Scalar> {
        let matrix = x.rank == 2 ? x : x.reshaped([x.shape[0], -1])
        precondition(matrix.shape[1] == inputs, "Affine: input \(x.shape) for \(inputs) inputs")
        self.x = matrix
        inputShape = x.shape
        return matrix.affine(W, b, then: epilogue)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let x else { preconditionFailure("Affine.backward before forward") }
        let (n, k, m) = (x.shape[0], inputs, outputs)
        precondition(dout.shape == [n, m], "Affine.backward: dout \(dout.shape) for output (\(n), \(m))")
        // dW is written in place: between steps nothing else holds it.
        x.withUnsafeBufferPointer { x in
            dout.withUnsafeBufferPointer { d in
                dW.withUnsafeMutableBufferPointer { dW in
                    gemm(m: k, n: m, k: n, a: x.baseAddress!, lda: k, transposeA: true, b: d.baseAddress!, ldb: m,
                         c: dW.baseAddress!, ldc: m)
                }
            }
        }
        db = dout.sum(axis: 0)
        return needsInputGradient ? dout.matmulTransposed(W).reshaped(inputShape) : nil
    }

    /// W must be (inputs, outputs) and b (outputs).
    public static func checkShapes(W: Tensor<Scalar>, b: Tensor<Scalar>) {
        precondition(W.rank == 2 && b.shape == [W.shape[1]], "Affine: W \(W.shape) and b \(b.shape) do not fit")
    }

    public var spec: LayerSpec { .affine(inputs: inputs, outputs: outputs) }
}

/// out = x: a placeholder that keeps a stack's shape (the book's `'identity'` output activation).
public struct Identity<Scalar: TensorScalar>: Layer {
    /// A layer that passes its input through.
    public init() {}
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> { x }
    public mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>? {
        needsInputGradient ? dout : nil
    }
    public var spec: LayerSpec { .identity }
}
