import DLFSCore
import Foundation

/// A training option with a bad value; the message names the option as the asker spells it (`--lr` on the
/// command line, `lr` in a JSON body).
public struct TrainingOptionError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Refuses a count below 1 or above `ceiling` (far beyond any real use, below what would exhaust memory).
public func checkCount(_ value: Int, _ option: String, atMost ceiling: Int = .max) throws(TrainingOptionError) {
    guard value > 0 else { throw TrainingOptionError("\(option) must be at least 1, not \(value)") }
    guard value <= ceiling else { throw TrainingOptionError("\(option) must be from 1 to \(ceiling), not \(value)") }
}

/// What `dlfs train` and the web page's training form ask for: a `multiLayerNet`, its optimizer and the
/// trainer's counts, checked by one `validate` so that both refuse the same values with the same words.
public struct TrainingRecipe: Sendable, Equatable {
    /// Iterations (mini-batches), or epochs as the book's `Trainer` counts them; at most one of the two.
    public var iterations: Int?
    public var epochs: Double?
    public var batchSize = 100
    /// Nil for the book's choice: 0.1 for SGD (train_neuralnet.py), the optimizer class's default otherwise.
    public var learningRate: Double?
    /// Hidden layer sizes as written: "50" or "100,100,100".
    public var hidden = "50"
    public var activation = HiddenActivation.sigmoid
    /// `std:0.01`, `xavier` or `he` (see `WeightInit`).
    public var weightInit = "std:0.01"
    public var optimizer = OptimizerName.sgd
    public var batchNormalization = false
    public var dropout: Double?
    public var weightDecay = 0.0
    public var seed: UInt64 = 42

    /// The ceilings of the counts: iterations (8 bytes of loss history each) and units in one layer.
    public static let maximumIterations = 100_000_000, maximumLayerWidth = 100_000

    public init() {}

    /// Checks every value; `prefix` goes before option names in messages ("--" or "").
    public func validate(prefix: String = "--") throws(TrainingOptionError) {
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
        _ = try hiddenSizes(prefix: prefix)
        _ = try initialWeights(prefix: prefix)
    }

    /// The hidden sizes, each a whole number from 1 to `maximumLayerWidth`.
    public func hiddenSizes(prefix: String = "--") throws(TrainingOptionError) -> [Int] {
        var sizes: [Int] = []
        for part in hidden.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let size = Int(text) else {
                throw TrainingOptionError("\(prefix)hidden '\(hidden)': '\(text)' is not a whole number")
            }
            try checkCount(size, "\(prefix)hidden", atMost: Self.maximumLayerWidth)
            sizes.append(size)
        }
        return sizes
    }

    public func initialWeights(prefix: String = "--") throws(TrainingOptionError) -> WeightInit {
        guard let value = WeightInit(weightInit) else {
            throw TrainingOptionError("\(prefix)init '\(weightInit)': give std:SIGMA (a positive number), xavier or he")
        }
        return value
    }

    /// The learning rate: given, or the one of the book's script for this optimizer.
    public var resolvedLearningRate: Double { learningRate ?? (optimizer == .sgd ? 0.1 : optimizer.defaultLearningRate) }

    /// A fresh net of this recipe for examples of `inputSize` values and `outputSize` classes.
    public func model<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self, inputSize: Int, outputSize: Int,
                                            using rng: inout SeededGenerator) throws(TrainingOptionError) -> Sequential<Scalar> {
        .multiLayerNet(inputSize: inputSize, hiddenSizes: try hiddenSizes(), outputSize: outputSize,
                       activation: activation, weightInit: try initialWeights(), batchNormalization: batchNormalization,
                       dropout: dropout, weightDecay: weightDecay, using: &rng)
    }

    /// The trainer's options for a training set of `trainCount` examples: the iterations asked for, those of
    /// the epochs, or the book's 10,000; refused beyond `maximumIterations`.
    public func trainingOptions(trainCount: Int, prefix: String = "--") throws(TrainingOptionError) -> TrainingOptions {
        var options = TrainingOptions()
        options.batchSize = batchSize
        if let epochs { options.setEpochs(epochs, trainCount: trainCount) } else { options.iterations = iterations ?? 10_000 }
        guard options.iterations <= Self.maximumIterations else {
            throw TrainingOptionError("\(prefix)epochs \(epochs!) makes \(options.iterations) iterations, more than \(Self.maximumIterations)")
        }
        return options
    }
}
