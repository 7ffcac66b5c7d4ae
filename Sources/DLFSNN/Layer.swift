import DLFSCore

/// One layer of a network, as the book's `common/layers.py` writes them: `forward` keeps what `backward`
/// needs, `backward` takes ∂L/∂out, stores the gradients of the layer's parameters and returns ∂L/∂x.
///
/// A layer owns its parameters and their gradients and shows them by name (`W`, `b`), in the book's order,
/// so that a `Sequential` can number them (`W1`, `b1`, …), an `Optimizer` can update them in place and a
/// file can hold them.
///
/// ```swift
/// var affine = Affine<Float>(784, 50, weightInit: .he, using: &rng)
/// let y = affine.forward(x, isTraining: true)        // (n, 50)
/// let dx = affine.backward(dy)                       // (n, 784); affine.gradients: dW, db
/// ```
public protocol Layer<Scalar>: Sendable {
    /// The element type of the tensors the layer takes and returns: `Float` or `Double`.
    associatedtype Scalar: TensorScalar

    /// The output for input `x`. `isTraining` switches the layers that behave differently while training
    /// (dropout, batch normalisation); the others ignore it.
    mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool) -> Tensor<Scalar>

    /// The forward pass, then `epilogue` (the next layer's elementwise activation) over the output in place.
    /// A layer whose output comes out of a product block by block (`Affine`, `Convolution`) runs it on each
    /// block while the block is in cache; by default it runs over the whole output.
    mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool, then epilogue: Epilogue<Scalar>?) -> Tensor<Scalar>

    /// Takes ∂L/∂out of the last `forward`, keeps the parameters' gradients, and returns ∂L/∂x, or nil when
    /// `needsInputGradient` is false (the first layer of a network, whose input is the data).
    mutating func backward(_ dout: Tensor<Scalar>, needsInputGradient: Bool) -> Tensor<Scalar>?

    /// The backward pass of this layer and of the elementwise activation that followed it in `forward`,
    /// `dout` being ∂L/∂(activation's output) and `activation` the map to ∂L/∂(this layer's output). A layer
    /// that takes its gradient in pieces (`Convolution`, image by image) maps each piece as it needs it; by
    /// default the whole gradient is mapped first.
    mutating func backward(_ dout: Tensor<Scalar>, through activation: ActivationGradient<Scalar>,
                           needsInputGradient: Bool) -> Tensor<Scalar>?

    /// Names of the parameters within the layer, in the book's order (`["W", "b"]`); empty for activations.
    var parameterNames: [String] { get }
    /// The parameters, in the order of `parameterNames`.
    var parameters: [Tensor<Scalar>] { get }
    /// ∂L/∂parameter from the last `backward`, in the same order (zeros before the first).
    var gradients: [Tensor<Scalar>] { get }
    /// Hands each parameter to `body` to change in place, with its gradient: what optimizers and loaders use.
    mutating func updateParameters(_ body: (_ index: Int, _ parameter: inout Tensor<Scalar>, _ gradient: Tensor<Scalar>) -> Void)

    /// Names of what the layer learns without a gradient (batch normalisation's running statistics): saved
    /// and loaded with the parameters, never touched by an optimizer. Empty for most layers.
    var stateNames: [String] { get }
    /// That state, in the order of `stateNames`.
    var state: [Tensor<Scalar>] { get }
    /// Replaces the state (from a file); shapes as `state`'s.
    mutating func setState(_ values: [Tensor<Scalar>])

    /// What the layer is, for a file to rebuild it from.
    var spec: LayerSpec { get }
}

extension Layer {
    public mutating func forward(_ x: consuming Tensor<Scalar>, isTraining: Bool, then epilogue: Epilogue<Scalar>?) -> Tensor<Scalar> {
        guard let epilogue else { return forward(x, isTraining: isTraining) }
        return forward(x, isTraining: isTraining).applying(epilogue)
    }

    public mutating func backward(_ dout: Tensor<Scalar>, through activation: ActivationGradient<Scalar>,
                                  needsInputGradient: Bool) -> Tensor<Scalar>? {
        backward(dout.mapped(through: activation), needsInputGradient: needsInputGradient)
    }

    public var parameterNames: [String] { [] }
    public var parameters: [Tensor<Scalar>] { [] }
    public var gradients: [Tensor<Scalar>] { [] }
    public mutating func updateParameters(_ body: (Int, inout Tensor<Scalar>, Tensor<Scalar>) -> Void) {}
    public var stateNames: [String] { [] }
    public var state: [Tensor<Scalar>] { [] }
    public mutating func setState(_ values: [Tensor<Scalar>]) {
        precondition(values.isEmpty, "\(spec) keeps no state")
    }

    /// ∂L/∂x for ∂L/∂out, as the book's `backward(dout)`.
    public mutating func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        backward(dout, needsInputGradient: true)!
    }
}

/// An elementwise activation's backward pass on part of a gradient: for the elements in `range`, ∂L/∂x =
/// f′ · `dout` (f′ from the activation's output in the last forward), written from `into` on. Called
/// concurrently on disjoint ranges.
public typealias ActivationGradient<S> = @Sendable (_ dout: UnsafePointer<S>, _ range: Range<Int>, _ into: UnsafeMutablePointer<S>) -> Void

extension Tensor {
    /// All of this gradient through `activation`; a convolution's millions of values are shared among the threads.
    func mapped(through activation: ActivationGradient<Scalar>) -> Tensor {
        withUnsafeBufferPointer { d in
            Tensor(shape: shape) { (out: UnsafeMutableBufferPointer<Scalar>) in
                let (count, out, d) = (out.count, out.baseAddress!, d.baseAddress!)
                parallelRanges(count, minimumLength: 1 << 16) { activation(d, $0, out + $0.lowerBound) }
            }
        }
    }
}

/// A layer that learns a weight W and a bias b, the book's `params['W']` and `params['b']`: `Affine` and
/// `Convolution`. Their `Layer` parameter plumbing, written once here.
public protocol WeightBiasLayer: Layer {
    /// The weights.
    var W: Tensor<Scalar> { get set }
    /// The bias.
    var b: Tensor<Scalar> { get set }
    /// ∂L/∂W from the last backward pass.
    var dW: Tensor<Scalar> { get set }
    /// ∂L/∂b from the last backward pass.
    var db: Tensor<Scalar> { get set }
    /// Traps, naming the layer, unless W and b have shapes that fit each other and the layer.
    static func checkShapes(W: Tensor<Scalar>, b: Tensor<Scalar>)
}

extension WeightBiasLayer {
    public var parameterNames: [String] { ["W", "b"] }
    public var parameters: [Tensor<Scalar>] { [W, b] }
    public var gradients: [Tensor<Scalar>] { [dW, db] }

    /// Hands W and b to `body`; when it gave them new shapes (a loader), the gradients restart as zeros of those.
    public mutating func updateParameters(_ body: (Int, inout Tensor<Scalar>, Tensor<Scalar>) -> Void) {
        body(0, &W, dW)
        body(1, &b, db)
        Self.checkShapes(W: W, b: b)
        if dW.shape != W.shape { dW = .zeros(W.shape); db = .zeros(b.shape) }
    }
}

/// A layer's kind and sizes, as a model file records its architecture: `affine 784 50`, `relu`,
/// `batch-norm 100`, `dropout 0.15`, `conv 30 1 5 5 stride 1 pad 0` (filters, channels, filter height and
/// width), `max-pool 2 2 stride 2 pad 0` (window height and width).
public enum LayerSpec: Sendable, Equatable, CustomStringConvertible {
    /// A fully connected `Affine` layer, `inputs` values in and `outputs` out.
    case affine(inputs: Int, outputs: Int)
    /// An elementwise layer without parameters: `ReLU`, `Sigmoid`, `Tanh`, or `Identity`, which passes its
    /// input on.
    case relu, sigmoid, tanh, identity
    /// `BatchNormalization` of `features` values per example.
    case batchNormalization(features: Int)
    /// `Dropout` of the fraction `ratio` of the values while training.
    case dropout(ratio: Double)
    /// A `Convolution` of `filters` filters, each `channels` × `filterHeight` × `filterWidth`.
    case convolution(filters: Int, channels: Int, filterHeight: Int, filterWidth: Int, stride: Int, pad: Int)
    /// Max `Pooling` over `poolHeight` × `poolWidth` windows.
    case maxPooling(poolHeight: Int, poolWidth: Int, stride: Int, pad: Int)

    /// The spec as one line, e.g. `affine 784 100`, as model files store it.
    public var description: String {
        switch self {
        case .affine(let inputs, let outputs): "affine \(inputs) \(outputs)"
        case .relu: "relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .identity: "identity"
        case .batchNormalization(let features): "batch-norm \(features)"
        case .dropout(let ratio): "dropout \(ratio)"
        case .convolution(let filters, let channels, let height, let width, let stride, let pad):
            "conv \(filters) \(channels) \(height) \(width) stride \(stride) pad \(pad)"
        case .maxPooling(let height, let width, let stride, let pad): "max-pool \(height) \(width) stride \(stride) pad \(pad)"
        }
    }

    /// Parses `description`'s form; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let words = text.split(separator: " ")
        switch (words.first, words.count) {
        case ("affine", 3):
            guard let inputs = Int(words[1]), let outputs = Int(words[2]), inputs > 0, outputs > 0 else { return nil }
            self = .affine(inputs: inputs, outputs: outputs)
        case ("relu", 1): self = .relu
        case ("sigmoid", 1): self = .sigmoid
        case ("tanh", 1): self = .tanh
        case ("identity", 1): self = .identity
        case ("batch-norm", 2):
            guard let features = Int(words[1]), features > 0 else { return nil }
            self = .batchNormalization(features: features)
        case ("dropout", 2):
            guard let ratio = Double(words[1]), ratio >= 0, ratio < 1 else { return nil }
            self = .dropout(ratio: ratio)
        case ("conv", 9):
            guard let sizes = Self.sizes(words[1...4]), let (stride, pad) = Self.strideAndPad(words[5...]) else { return nil }
            self = .convolution(filters: sizes[0], channels: sizes[1], filterHeight: sizes[2], filterWidth: sizes[3],
                                stride: stride, pad: pad)
        case ("max-pool", 7):
            guard let sizes = Self.sizes(words[1...2]), let (stride, pad) = Self.strideAndPad(words[3...]) else { return nil }
            self = .maxPooling(poolHeight: sizes[0], poolWidth: sizes[1], stride: stride, pad: pad)
        default: return nil
        }
    }

    /// Positive integers, or nil.
    private static func sizes<Word: StringProtocol>(_ words: ArraySlice<Word>) -> [Int]? {
        let sizes = words.compactMap { Int($0) }.filter { $0 > 0 }
        return sizes.count == words.count ? sizes : nil
    }

    /// `stride S pad P` with S ≥ 1 and P ≥ 0, or nil.
    private static func strideAndPad<Word: StringProtocol>(_ words: ArraySlice<Word>) -> (Int, Int)? {
        let w = Array(words)
        guard w.count == 4, w[0] == "stride", w[2] == "pad", let stride = Int(w[1]), let pad = Int(w[3]),
              stride > 0, pad >= 0 else { return nil }
        return (stride, pad)
    }

    /// A layer of this kind; an affine or convolution layer's parameters are zeros until they are set, a batch-norm layer
    /// starts with γ ones, β zeros and zero running statistics, and a dropout layer draws its masks from a
    /// generator seeded with `dropoutSeed`.
    public func makeLayer<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) -> any Layer<Scalar> {
        switch self {
        case .affine(let inputs, let outputs): Affine<Scalar>(W: .zeros([inputs, outputs]), b: .zeros([outputs]))
        case .relu: ReLU<Scalar>()
        case .sigmoid: Sigmoid<Scalar>()
        case .tanh: Tanh<Scalar>()
        case .identity: Identity<Scalar>()
        case .batchNormalization(let features): BatchNormalization<Scalar>(features: features)
        case .dropout(let ratio): Dropout<Scalar>(ratio: ratio, seed: Self.dropoutSeed)
        case .convolution(let filters, let channels, let height, let width, let stride, let pad):
            Convolution<Scalar>(W: .zeros([filters, channels, height, width]), b: .zeros([filters]), stride: stride, pad: pad)
        case .maxPooling(let height, let width, let stride, let pad):
            Pooling<Scalar>(poolHeight: height, poolWidth: width, stride: stride, pad: pad)
        }
    }

    /// The seed of a dropout layer that `makeLayer` builds, the same for every one.
    public static let dropoutSeed: UInt64 = 0
}
