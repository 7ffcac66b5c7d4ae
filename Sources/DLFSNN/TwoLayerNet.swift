import DLFSCore

/// The two-layer net of chapters 4 and 5 (`two_layer_net.py`): affine → sigmoid or ReLU → affine →
/// softmax with cross-entropy. Parameters by the book's names: W1 (input, hidden), b1 (hidden),
/// W2 (hidden, output), b2 (output). Sigmoid is the chapter-4 net, ReLU the chapter-5 net.
///
///     var rng = SeededGenerator(seed: 42)
///     var net = TwoLayerNet<Double>(inputSize: 784, hiddenSize: 50, outputSize: 10, using: &rng)
///     let g = net.gradient(x, .indices(t))       // backprop; numericalGradient(x, t) agrees
///     SGD(learningRate: 0.1).update(&net, with: g)
public struct TwoLayerNet<Scalar: TensorScalar>: Sendable {
    public var W1, b1, W2, b2: Tensor<Scalar>
    /// The hidden layer's activation: `.sigmoid` or `.relu`.
    public let activation: Activation

    /// Weights drawn from N(0, weightInitStd²) in the book's order (W1 then W2), biases zero.
    public init(inputSize: Int, hiddenSize: Int, outputSize: Int, weightInitStd: Scalar = 0.01,
                activation: Activation = .sigmoid, using rng: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0 && outputSize > 0, "TwoLayerNet: sizes must be positive")
        precondition(activation != .identity, "TwoLayerNet: the hidden activation is sigmoid or relu")
        W1 = .randomNormal([inputSize, hiddenSize], standardDeviation: weightInitStd, using: &rng)
        b1 = .zeros([hiddenSize])
        W2 = .randomNormal([hiddenSize, outputSize], standardDeviation: weightInitStd, using: &rng)
        b2 = .zeros([outputSize])
        self.activation = activation
    }

    /// A net from saved parameters (a checkpoint), checked like the chapter-3 network's.
    public init(parameters: NetworkParameters<Scalar>, activation: Activation, inputSize: Int? = nil,
                outputSize: Int? = nil) throws {
        _ = try checkAffineStack(parameters, layers: 2, network: "the two-layer network",
                                 inputSize: inputSize, outputSize: outputSize)
        precondition(activation != .identity, "TwoLayerNet: the hidden activation is sigmoid or relu")
        W1 = parameters["W1"]!; b1 = parameters["b1"]!
        W2 = parameters["W2"]!; b2 = parameters["b2"]!
        self.activation = activation
    }

    public var parameters: NetworkParameters<Scalar> { ["W1": W1, "b1": b1, "W2": W2, "b2": b2] }
    public var inputSize: Int { W1.shape[0] }
    public var hiddenSize: Int { W1.shape[1] }
    public var outputSize: Int { W2.shape[1] }

    /// Class scores before softmax, as chapter 5's `predict`: x (n, input) → (n, output).
    public func predict(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        x.affine(W1, b1, activation: activation).affine(W2, b2)
    }

    /// Cross-entropy of the softmax of the scores, averaged over the batch.
    public func loss(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Scalar {
        var last = SoftmaxWithLoss<Scalar>()
        return last.forward(predict(x), t)
    }

    /// The fraction of rows whose highest score is the label's class.
    public func accuracy(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Double {
        let predicted = predict(x).argmaxRows()
        return Double(zip(predicted, t.classIndices).count { $0 == $1 }) / Double(max(predicted.count, 1))
    }

    /// Gradients by backpropagation through chapter 5's layers: forward through each, then backward in
    /// reverse order. The trainer's fused step (`TrainingWorkspace`) computes the same thing without
    /// allocating; tests hold the two together.
    public func gradient(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> TwoLayerGradients<Scalar> {
        var affine1 = Affine(W: W1, b: b1), affine2 = Affine(W: W2, b: b2)
        var sigmoidLayer = Sigmoid<Scalar>(), reluLayer = ReLU<Scalar>()
        var lastLayer = SoftmaxWithLoss<Scalar>()
        let a1 = affine1.forward(x)
        let z1 = activation == .relu ? reluLayer.forward(a1) : sigmoidLayer.forward(a1)
        _ = lastLayer.forward(affine2.forward(z1), t)

        let dz1 = affine2.backward(lastLayer.backward())
        _ = affine1.backward(activation == .relu ? reluLayer.backward(dz1) : sigmoidLayer.backward(dz1))
        return TwoLayerGradients(W1: affine1.dW, b1: affine1.db, W2: affine2.dW, b2: affine2.db)
    }
}

/// ∂loss/∂parameter for each parameter of a `TwoLayerNet`.
public struct TwoLayerGradients<Scalar: TensorScalar>: Sendable {
    public var W1, b1, W2, b2: Tensor<Scalar>

    public init(W1: Tensor<Scalar>, b1: Tensor<Scalar>, W2: Tensor<Scalar>, b2: Tensor<Scalar>) {
        self.W1 = W1; self.b1 = b1; self.W2 = W2; self.b2 = b2
    }

    /// In the book's order, W1, b1, W2, b2.
    public var named: [(name: String, gradient: Tensor<Scalar>)] { [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)] }
}
