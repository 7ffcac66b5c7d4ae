import DLFSCore

/// The activation between a net's affine layers.
public enum HiddenActivation: String, Sendable, CaseIterable, Codable {
    /// The `Sigmoid`, `ReLU` or `Tanh` layer: the book's nets use sigmoid in chapter 4 and ReLU from chapter 5 on.
    case sigmoid, relu, tanh

    /// A fresh layer of this activation.
    public func layer<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) -> any Layer<Scalar> {
        switch self {
        case .sigmoid: Sigmoid<Scalar>()
        case .relu: ReLU<Scalar>()
        case .tanh: Tanh<Scalar>()
        }
    }

    /// The activation of a layer spec, or nil when the spec is not one.
    public init?(_ spec: LayerSpec) {
        switch spec {
        case .sigmoid: self = .sigmoid
        case .relu: self = .relu
        case .tanh: self = .tanh
        default: return nil
        }
    }
}

extension Sequential {
    /// The book's `MultiLayerNet` and `MultiLayerNetExtend`: for each hidden size affine → (batch norm) →
    /// activation → (dropout), then affine to the outputs and softmax with cross-entropy; weight decay λ.
    /// Weights are drawn layer by layer from `rng`, biases are zero, γ one and β zero; then each dropout
    /// layer takes a seed from `rng`, so the weights do not depend on whether there is dropout.
    ///
    ///     var net = Sequential<Float>.multiLayerNet(inputSize: 784, hiddenSizes: [100, 100], outputSize: 10,
    ///                                               activation: .relu, weightInit: .he, using: &rng)
    public static func multiLayerNet(
        inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: HiddenActivation = .relu,
        weightInit: WeightInit = .he, batchNormalization: Bool = false, dropout: Double? = nil,
        weightDecay: Double = 0, using rng: inout SeededGenerator
    ) -> Sequential {
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        precondition(sizes.allSatisfy { $0 > 0 }, "multiLayerNet: sizes must be positive, got \(sizes)")
        let affines = (1..<sizes.count).map { Affine<Scalar>(sizes[$0 - 1], sizes[$0], weightInit: weightInit, using: &rng) }
        var layers: [any Layer<Scalar>] = []
        for (l, affine) in affines.enumerated() {
            layers.append(affine)
            guard l < hiddenSizes.count else { break }
            if batchNormalization { layers.append(BatchNormalization<Scalar>(features: hiddenSizes[l])) }
            layers.append(activation.layer(Scalar.self))
            if let dropout { layers.append(Dropout<Scalar>(ratio: dropout, using: &rng)) }
        }
        return Sequential(layers, weightDecay: weightDecay)
    }

    /// The two-layer net of chapters 4 and 5 (`two_layer_net.py`): W1 (input, hidden), b1, W2 (hidden,
    /// output), b2, weights N(0, 0.01²) by default. Sigmoid is the chapter-4 net, ReLU the chapter-5 net.
    ///
    ///     var net = Sequential<Double>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, using: &rng)
    public static func twoLayerNet(
        inputSize: Int, hiddenSize: Int, outputSize: Int, activation: HiddenActivation = .sigmoid,
        weightInit: WeightInit = .standardDeviation(0.01), using rng: inout SeededGenerator
    ) -> Sequential {
        multiLayerNet(inputSize: inputSize, hiddenSizes: [hiddenSize], outputSize: outputSize,
                      activation: activation, weightInit: weightInit, using: &rng)
    }

    /// The ready-trained net of chapter 3 (`neuralnet_mnist.py`) from its weights W1, b1, W2, b2, W3, b3:
    /// affine, sigmoid, affine, sigmoid, affine. Names, shapes and finiteness are checked as `ThreeLayerNet`
    /// checks them; `ThreeLayerNet` is this model's fast path for inference, tested against it.
    public static func chapterThreeNet(parameters: NetworkParameters<Scalar>, inputSize: Int? = nil,
                                       outputSize: Int? = nil) throws -> Sequential {
        _ = try checkAffineStack(parameters, layers: 3, network: "the chapter-3 network", inputSize: inputSize,
                                 outputSize: outputSize)
        return Sequential([
            Affine(W: parameters["W1"]!, b: parameters["b1"]!), Sigmoid<Scalar>(),
            Affine(W: parameters["W2"]!, b: parameters["b2"]!), Sigmoid<Scalar>(),
            Affine(W: parameters["W3"]!, b: parameters["b3"]!),
        ])
    }

    /// Whether the model is affine → activation → affine with softmax and no weight decay, the shape
    /// `twoLayerNet` makes.
    public var isTwoLayerNet: Bool {
        let specs = specs
        guard specs.count == 3, case .affine = specs[0], case .affine = specs[2] else { return false }
        return HiddenActivation(specs[1]) != nil && lossLayer is SoftmaxWithLoss<Scalar> && weightDecay == 0
    }
}

extension Sequential {
    /// Values per example: the product of `inputShape`, else what the first affine layer takes, or nil
    /// when the model has neither.
    public var inputSize: Int? {
        if let inputShape { return inputShape.reduce(1, *) }
        return specs.lazy.compactMap { if case .affine(let inputs, _) = $0 { inputs } else { nil } }.first
    }

    /// Scores per example the last affine layer gives, or nil when the model has none.
    public var outputSize: Int? {
        specs.reversed().lazy.compactMap { if case .affine(_, let outputs) = $0 { outputs } else { nil } }.first
    }
}
