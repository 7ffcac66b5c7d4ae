import DLFSCore

/// A network made of its layers, applied in order, and a last layer that turns scores into a loss: the
/// book's `MultiLayerNet` (and `TwoLayerNet`, and every net after them) as one type.
///
/// Parameters carry the book's names: a layer with a weight `W` takes the next number (`W1`, `b1`, then
/// `W2`, `b2`, …); a layer with other parameters takes the number of the weighted layer before it
/// (`gamma1`, `beta1` after `W1`), as `MultiLayerNetExtend` numbers them.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// var net = Sequential<Float>(Affine(784, 100, weightInit: .he, using: &rng), ReLU(),
///                             Affine(100, 10, weightInit: .he, using: &rng))
/// var optimizer = Adam<Float>(learningRate: 0.001)
/// let gradients = net.gradient(x, .indices(t))      // backprop through the layers
/// optimizer.update(&net, with: gradients)
/// net.accuracy(x, .indices(t))
/// ```
public struct Sequential<Scalar: TensorScalar>: Sendable {
    /// The layers, input first.
    public internal(set) var layers: [any Layer<Scalar>]
    /// The loss at the end of the network (softmax with cross-entropy).
    public private(set) var lossLayer: any LossLayer<Scalar>
    /// L2 weight decay λ, as the book's `MultiLayerNet`: λ/2 · ΣW² joins the loss and λW each weight's
    /// gradient (weights are the parameters named `W…`; biases and batch norm's γ, β are not decayed).
    public var weightDecay = 0.0
    /// The shape of one example when the first layer takes more than a row of values: (1, 28, 28) before a
    /// convolution. `forward` then reshapes a batch (n, C·H·W), as example sets give it, to (n, C, H, W).
    /// Nil when the layers take rows.
    public let inputShape: [Int]?
    /// The full names of each layer's parameters (`["W1", "b1"]`, `[]` for an activation) and state.
    private let names: [[String]], stateNames: [[String]]

    /// A network of `layers`; `inputShape` (such as [1, 28, 28]) reshapes rows for a first convolution.
    public init(_ layers: [any Layer<Scalar>], loss: any LossLayer<Scalar> = SoftmaxWithLoss<Scalar>(), weightDecay: Double = 0,
                inputShape: [Int]? = nil) {
        precondition(inputShape?.allSatisfy { $0 > 0 } ?? true, "Sequential: input shape \(inputShape!) must be positive")
        self.layers = layers
        lossLayer = loss
        self.weightDecay = weightDecay
        self.inputShape = inputShape
        var number = 0
        var names: [[String]] = [], stateNames: [[String]] = []
        for layer in layers {
            if layer.parameterNames.contains("W") { number += 1 }
            names.append(layer.parameterNames.map { "\($0)\(Swift.max(number, 1))" })
            stateNames.append(layer.stateNames.map { "\($0)\(Swift.max(number, 1))" })
        }
        (self.names, self.stateNames) = (names, stateNames)
        let all = (names + stateNames).flatMap { $0 }
        precondition(Set(all).count == all.count, "Sequential: parameter names repeat: \(all)")
    }

    /// A network of the layers listed.
    public init(_ layers: any Layer<Scalar>..., loss: any LossLayer<Scalar> = SoftmaxWithLoss<Scalar>(), weightDecay: Double = 0) {
        self.init(layers, loss: loss, weightDecay: weightDecay)
    }

    /// What the layers learn without gradients (`running_mean1`, `running_var1` of a batch norm after W1).
    public var state: NamedTensors<Scalar> {
        NamedTensors(names: stateNames.flatMap { $0 }, tensors: layers.flatMap { $0.state })
    }

    /// The parameters in order, by the book's names.
    public var parameters: NamedTensors<Scalar> {
        NamedTensors(names: names.flatMap { $0 }, tensors: layers.flatMap { $0.parameters })
    }

    /// The gradients of the last `gradient` call, by the parameters' names.
    public var gradients: NamedTensors<Scalar> {
        NamedTensors(names: names.flatMap { $0 }, tensors: layers.flatMap { $0.gradients })
    }

    /// Each parameter by name, to change in place, with its gradient from the last backward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func updateParameters(_ body: (_ name: String, _ parameter: inout Tensor<Scalar>, _ gradient: Tensor<Scalar>) -> Void) {
        for l in layers.indices where !names[l].isEmpty {
            let layerNames = names[l]
            layers[l].updateParameters { index, parameter, gradient in body(layerNames[index], &parameter, gradient) }
        }
    }

    /// What the layers are, first to last (a model file's architecture).
    public var specs: [LayerSpec] { layers.map(\.spec) }

    /// Scores before the loss layer: x (n, inputs) → (n, classes), keeping what `backward` needs; x (n,
    /// C·H·W) is seen as (n, C, H, W) when the model has an `inputShape`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar> {
        var y = x
        if let inputShape, y.rank == 2 { y = y.reshaped([y.shape[0]] + inputShape) }
        // Each output handed over whole, so an activation can work in place.
        var l = 0
        while l < layers.count {
            if isConvolutionReLUPooling(at: l) {
                var (convolution, pooling) = takeConvolutionAndPooling(at: l)
                y = convolution.forward(consume y, isTraining: isTraining, thenReLUAndPooling: &pooling)
                (layers[l], layers[l + 2]) = (convolution, pooling)
                l += 3
            } else if l + 1 < layers.count, var activation = layers[l + 1] as? any FusableActivation<Scalar> {
                // The activation runs inside the layer before (on each block of a product while it is in cache).
                // That layer is called where it is: a copy would share its workspaces, and they would not be reused.
                y = layers[l].forward(consume y, isTraining: isTraining, then: activation.apply)
                activation.keep(output: y)
                layers[l + 1] = activation
                l += 2
            } else {
                y = layers[l].forward(consume y, isTraining: isTraining)
                l += 1
            }
        }
        return y
    }

    /// Whether layers l, l + 1 and l + 2 are a convolution, a ReLU and max pooling, which `forward` and
    /// backward run together, image by image (`Convolution.forward(_:isTraining:thenReLUAndPooling:)`).
    private func isConvolutionReLUPooling(at l: Int) -> Bool {
        l + 2 < layers.count && layers[l] is Convolution<Scalar> && layers[l + 1] is ReLU<Scalar> && layers[l + 2] is Pooling<Scalar>
    }

    /// The convolution at l and the pooling at l + 2, for the caller to put back; the convolution's place holds
    /// an `Identity` meanwhile, so that its workspaces are referenced once and can be reused.
    private mutating func takeConvolutionAndPooling(at l: Int) -> (Convolution<Scalar>, Pooling<Scalar>) {
        let taken = (layers[l] as! Convolution<Scalar>, layers[l + 2] as! Pooling<Scalar>)
        layers[l] = Identity<Scalar>()
        return taken
    }

    /// Scores in inference mode, as the book's `predict`.
    public func predict(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        var copy = self
        return copy.forward(x, isTraining: false)
    }

    /// The loss layer's value on scores of x plus the weight decay, as the book's `loss(x, t)`.
    public func loss(_ x: Tensor<Scalar>, _ t: Labels<Scalar>, isTraining: Bool = false) -> Scalar {
        var copy = self
        return copy.lossLayer.forward(copy.forward(x, isTraining: isTraining), t) + weightDecayLoss
    }

    /// λ/2 · Σ over the weights of ΣW², each sum rounded as NumPy's `np.sum(W**2)`.
    public var weightDecayLoss: Scalar {
        guard weightDecay != 0 else { return 0 }
        var total: Scalar = 0
        for (name, w) in parameters where name.hasPrefix("W") {
            total += Scalar(0.5 * weightDecay) * w.withUnsafeBufferPointer { numpySumOfSquares($0) }
        }
        return total
    }

    /// The fraction of rows whose highest score is the label's class.
    public func accuracy(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> Double {
        let predicted = predict(x).argmaxRows()
        return Double(zip(predicted, t.classIndices).count { $0 == $1 }) / Double(Swift.max(predicted.count, 1))
    }

    /// Forward in training mode, the loss, then backward through every layer in reverse: the loss and the
    /// gradient of every parameter (the first layer's ∂L/∂x, which nothing needs, is not computed).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func lossAndGradient(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> (loss: Scalar, gradients: NamedTensors<Scalar>) {
        let loss = lossLayer.forward(forward(x, isTraining: true), t) + weightDecayLoss
        var dout = lossLayer.backward()
        // An elementwise activation's gradient goes into the backward pass of the layer before it, which
        // applies it where it suits (a convolution, image by image).
        var l = layers.count - 1
        while l >= 0 {
            let dx: Tensor<Scalar>?
            if l >= 2, isConvolutionReLUPooling(at: l - 2) {
                var (convolution, pooling) = takeConvolutionAndPooling(at: l - 2)
                dx = convolution.backward(dout, throughReLUAndPooling: &pooling, needsInputGradient: l > 2)
                (layers[l - 2], layers[l]) = (convolution, pooling)
                l -= 3
            } else if l > 0, let activation = layers[l] as? any FusableActivation<Scalar> {
                dx = layers[l - 1].backward(dout, through: activation.gradientMap(), needsInputGradient: l > 1)
                l -= 2
            } else {
                dx = layers[l].backward(dout, needsInputGradient: l > 0)
                l -= 1
            }
            guard let dx else { break }
            dout = dx
        }
        guard weightDecay != 0 else { return (loss, gradients) }
        let lambda = Scalar(weightDecay)
        // dW + λ·W in one pass, each product rounded before the sum as NumPy's `grads + lambda * W`.
        let decayed = zip(gradients, parameters).map { g, p in
            p.name.hasPrefix("W") ? g.tensor.zipWith(p.tensor) { dw, w in dw + lambda * w } : g.tensor
        }
        return (loss, NamedTensors(names: parameters.names, tensors: decayed))
    }

    /// ∂loss/∂parameter by backpropagation, as the book's `gradient(x, t)`.
    public mutating func gradient(_ x: Tensor<Scalar>, _ t: Labels<Scalar>) -> NamedTensors<Scalar> {
        lossAndGradient(x, t).gradients
    }

    /// ∂loss/∂parameter by central differences, the book's `numerical_gradient`: every element of every
    /// parameter moved by ±`step` (the book's 1e-4) and the whole loss recomputed (2 forward passes per
    /// element: for small nets and gradient checks).
    public func numericalGradient(_ x: Tensor<Scalar>, _ t: Labels<Scalar>, step: Double = numericalStep) -> NamedTensors<Scalar> {
        var result = NamedTensors<Scalar>()
        for (k, (name, value)) in parameters.enumerated() {
            let gradient = DLFSNN.numericalGradient(of: { nudged in
                var model = self
                model.replaceParameter(at: k, with: nudged)
                return model.loss(x, t, isTraining: true)
            }, at: value, step: step)
            result.append(name, gradient)
        }
        return result
    }

    /// Sets the `k`-th parameter (in `parameters` order) to a tensor of the same shape.
    private mutating func replaceParameter(at k: Int, with value: Tensor<Scalar>) {
        var position = 0
        updateParameters { _, parameter, _ in
            if position == k { parameter = value }
            position += 1
        }
    }

    /// Takes every parameter and every piece of state from `values` by name; the names and shapes must be
    /// exactly the model's.
    public mutating func loadParameters(_ values: [String: Tensor<Scalar>]) throws {
        let own = NamedTensors(names: parameters.names + state.names, tensors: parameters.tensors + state.tensors)
        let expected = own.map { "\($0.name) \(shapeText($0.tensor.shape))" }.joined(separator: ", ")
        func fail(_ problem: String) -> NetworkParameterError {
            NetworkParameterError("the model", expected: expected, found: values.mapValues(\.shape), problem: problem)
        }
        for (name, tensor) in own {
            guard let value = values[name] else { throw fail("\(name) is missing") }
            guard value.shape == tensor.shape else {
                throw fail("\(name) is \(shapeText(value.shape)), not \(shapeText(tensor.shape))")
            }
            if let bad = value.scalars.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(name) holds \(value.scalars[bad]) at element \(bad)")
            }
        }
        if let extra = values.keys.sorted().first(where: { own[$0] == nil }) { throw fail("\(extra) is not a parameter of it") }
        updateParameters { name, parameter, _ in parameter = values[name]! }
        for l in layers.indices where !stateNames[l].isEmpty {
            layers[l].setState(stateNames[l].map { values[$0]! })
        }
    }
}

extension Sequential {
    /// Makes every dropout layer reuse its last mask, so that a numerical gradient check sees one network.
    public mutating func freezeDropoutMasks() {
        for l in layers.indices {
            guard var dropout = layers[l] as? Dropout<Scalar> else { continue }
            dropout.isMaskFrozen = true
            layers[l] = dropout
        }
    }
}
