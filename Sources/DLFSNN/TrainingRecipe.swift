import DLFSCore
import Foundation

/// A training option with a bad value; the message names the option as the asker spells it (`--lr` on the
/// command line, `lr` in a JSON body).
public struct TrainingOptionError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, naming the option.
    public var description: String
    /// An error with its message.
    public init(_ description: String) { self.description = description }
}

/// Refuses a count below 1 or above `ceiling` (far beyond any real use, below what would exhaust memory);
/// the message names the range.
public func checkCount(_ value: Int, _ option: String, atMost ceiling: Int = .max) throws(TrainingOptionError) {
    guard value < 1 || value > ceiling else { return }
    throw TrainingOptionError(ceiling == .max ? "\(option) must be at least 1, not \(value)"
                                              : "\(option) must be from 1 to \(ceiling), not \(value)")
}

/// What `dlfs train` and the web page's training form ask for: a `multiLayerNet` or one of the book's
/// ConvNets, its optimizer and the trainer's counts, checked by one `validate` so that both refuse the same
/// values with the same words. Nil options take the book's script's value for the architecture.
public struct TrainingRecipe: Sendable, Equatable {
    /// The net: affine layers (the options below), or the book's `SimpleConvNet` or `DeepConvNet`, trained
    /// with the defaults of `train_convnet.py` and `train_deepnet.py` (20 epochs, Adam 0.001, per-epoch
    /// accuracy on 1,000 images).
    public enum Architecture: String, Sendable, CaseIterable, Codable {
        /// Affine layers of the sizes in `hidden`, with `activation` between them (`multiLayerNet`).
        case mlp
        /// The book's `SimpleConvNet`: one convolution, max pooling and two affine layers.
        case simpleConvNet = "simple-convnet"
        /// The book's `DeepConvNet`: six 3×3 convolutions, three max poolings, two affine layers and dropout.
        case deepConvNet = "deep-convnet"
        /// Whether the network starts with a convolution.
        public var isConvNet: Bool { self != .mlp }
    }

    /// The network: a multi-layer net or one of the book's ConvNets.
    public var architecture = Architecture.mlp
    /// Iterations (mini-batches), or epochs as the book's `Trainer` counts them; at most one of the two.
    public var iterations: Int?
    /// Epochs, instead of `iterations`.
    public var epochs: Double?
    /// Examples per step.
    public var batchSize = 100
    /// Nil for the book's choice: 0.1 for SGD (train_neuralnet.py), the optimizer class's default otherwise.
    public var learningRate: Double?
    /// Hidden layer sizes as written: "50" (the two-layer net's) or "100,100,100"; one size for a ConvNet's
    /// hidden affine layer (the book's 100 and 50).
    public var hidden: String?
    /// The hidden activation of `mlp` (sigmoid, the chapter-4 net's, when nil).
    public var activation: HiddenActivation?
    /// `std:0.01` (when nil), `xavier` or `he` (see `WeightInit`); DeepConvNet always uses He's.
    public var weightInit: String?
    /// SGD for `mlp` (train_neuralnet.py), Adam for the ConvNets, when nil.
    public var optimizer: OptimizerName?
    /// Whether a batch-normalisation layer follows each hidden affine layer.
    public var batchNormalization = false
    /// The dropout ratio after each hidden activation; nil for none.
    public var dropout: Double?
    /// The weight-decay λ.
    public var weightDecay = 0.0
    /// Seeds the weights, the batches and the dropout masks.
    public var seed: UInt64 = 42
    /// Images of each set scored for the per-epoch accuracies: all for `mlp`, 1,000 for the ConvNets (the
    /// book's `evaluate_sample_num_per_epoch`), when nil.
    public var evaluationSamples: Int?

    /// The ceilings of the counts: iterations (8 bytes of loss history each) and units in one layer.
    public static let maximumIterations = 100_000_000, maximumLayerWidth = 100_000

    /// The book's defaults.
    public init() {}

    /// Checks every value; `prefix` goes before option names in messages (the CLI passes "--").
    public func validate(prefix: String = "") throws(TrainingOptionError) {
        if let iterations { try checkCount(iterations, "\(prefix)iters", atMost: Self.maximumIterations) }
        if let epochs {
            guard iterations == nil else { throw TrainingOptionError("give \(prefix)iters or \(prefix)epochs, not both") }
            guard epochs.isFinite && epochs > 0 && epochs <= 1_000_000 else {
                throw TrainingOptionError("\(prefix)epochs must be a positive number up to 1000000, not \(epochs)")
            }
        }
        try checkCount(batchSize, "\(prefix)batch-size")
        if let dropout, !(0..<1).contains(dropout) {
            throw TrainingOptionError("\(prefix)dropout must be at least 0 and below 1, not \(dropout)")
        }
        guard weightDecay.isFinite && weightDecay >= 0 else {
            throw TrainingOptionError("\(prefix)weight-decay must be a number ≥ 0, not \(weightDecay)")
        }
        if let learningRate, !(learningRate.isFinite && learningRate > 0) {
            throw TrainingOptionError("\(prefix)lr must be a positive number, not \(learningRate)")
        }
        if let evaluationSamples { try checkCount(evaluationSamples, "\(prefix)evaluation-samples") }
        _ = try hiddenSizes(prefix: prefix)
        _ = try initialWeights(prefix: prefix)
        guard architecture.isConvNet else { return }
        let mlpOnly: [(Bool, String)] = [(activation != nil, "activation"), (batchNormalization, "batch-norm"), (dropout != nil, "dropout"),
                                         (weightInit != nil && architecture == .deepConvNet, "init")]
        if let (_, option) = mlpOnly.first(where: \.0) {
            throw TrainingOptionError("\(prefix)\(option) is an option of \(prefix)model mlp; \(architecture.rawValue) is the book's net as it stands")
        }
    }

    /// The hidden sizes, each a whole number from 1 to `maximumLayerWidth`: given, or the book's.
    public func hiddenSizes(prefix: String = "") throws(TrainingOptionError) -> [Int] {
        let hidden = self.hidden ?? String(architecture == .simpleConvNet ? 100 : 50)
        var sizes: [Int] = []
        for part in hidden.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let size = Int(text) else {
                throw TrainingOptionError("\(prefix)hidden '\(hidden)': '\(text)' is not a whole number")
            }
            try checkCount(size, "\(prefix)hidden", atMost: Self.maximumLayerWidth)
            sizes.append(size)
        }
        if architecture.isConvNet && sizes.count != 1 {
            throw TrainingOptionError("\(prefix)hidden '\(hidden)': \(architecture.rawValue) has one hidden affine layer; give one size")
        }
        return sizes
    }

    /// The initial-weight rule (`std:0.01` by default), or an error naming the option.
    public func initialWeights(prefix: String = "") throws(TrainingOptionError) -> WeightInit {
        let text = weightInit ?? "std:0.01"
        guard let value = WeightInit(text) else {
            throw TrainingOptionError("\(prefix)init '\(text)': give std:SIGMA (a positive number), xavier or he")
        }
        return value
    }

    /// The optimizer: given, or the one of the book's script (SGD for `mlp`, Adam for the ConvNets).
    public var resolvedOptimizer: OptimizerName { optimizer ?? (architecture.isConvNet ? .adam : .sgd) }

    /// The learning rate: given, or the one of the book's script for this optimizer (train_neuralnet.py's
    /// 0.1 for SGD on `mlp`, the optimizer class's default otherwise).
    public var resolvedLearningRate: Double {
        learningRate ?? (resolvedOptimizer == .sgd && !architecture.isConvNet ? 0.1 : resolvedOptimizer.defaultLearningRate)
    }

    /// The hidden activation of `mlp`.
    public var resolvedActivation: HiddenActivation { activation ?? .sigmoid }

    /// A fresh net of this recipe for examples of `inputSize` values (a ConvNet sees them as one channel of
    /// `imageSize`, square when nil) and `outputSize` classes.
    public func model<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self, inputSize: Int, outputSize: Int,
                                            imageSize: (height: Int, width: Int)? = nil,
                                            using rng: inout SeededGenerator) throws(TrainingOptionError) -> Sequential<Scalar> {
        guard architecture.isConvNet else {
            return .multiLayerNet(inputSize: inputSize, hiddenSizes: try hiddenSizes(), outputSize: outputSize,
                                  activation: resolvedActivation, weightInit: try initialWeights(),
                                  batchNormalization: batchNormalization, dropout: dropout, weightDecay: weightDecay, using: &rng)
        }
        let side = Int(Double(inputSize).squareRoot().rounded())
        let (height, width) = imageSize ?? (side, side)
        guard height * width == inputSize, height >= 8, width >= 8 else {
            throw TrainingOptionError("\(architecture.rawValue) takes images of at least 8 × 8, not examples of \(inputSize) values")
        }
        var net: Sequential<Scalar> = architecture == .simpleConvNet
            ? .simpleConvNet(inputShape: (1, height, width), hiddenSize: try hiddenSizes()[0], outputSize: outputSize,
                             weightInit: try initialWeights(), using: &rng)
            : .deepConvNet(inputShape: (1, height, width), hiddenSize: try hiddenSizes()[0], outputSize: outputSize, using: &rng)
        net.weightDecay = weightDecay
        return net
    }

    /// The trainer's options for a training set of `trainCount` examples: the iterations asked for, those of
    /// the epochs, or the book's 10,000 (20 epochs for a ConvNet); refused beyond `maximumIterations`.
    public func trainingOptions(trainCount: Int, prefix: String = "") throws(TrainingOptionError) -> TrainingOptions {
        var options = TrainingOptions()
        options.batchSize = batchSize
        options.evaluationSampleCount = evaluationSamples ?? (architecture.isConvNet ? 1000 : nil)
        let epochs = self.epochs ?? (iterations == nil && architecture.isConvNet ? 20 : nil)
        if let epochs { options.setEpochs(epochs, trainCount: trainCount) } else { options.iterations = iterations ?? 10_000 }
        guard options.iterations <= Self.maximumIterations else {
            throw TrainingOptionError("\(prefix)epochs \(epochs!) makes \(options.iterations) iterations, more than \(Self.maximumIterations)")
        }
        return options
    }
}
