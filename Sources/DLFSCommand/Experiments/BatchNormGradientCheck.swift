import ArgumentParser
import DLFS
import Foundation

/// `dlfs experiment batch-norm-gradient-check`: batch_norm_gradient_check.py (§6.3), backprop through batch
/// normalisation against the numerical gradient, in Double.
struct BatchNormGradientCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-norm-gradient-check",
        abstract: "Backprop through batch norm against the numerical gradient (batch_norm_gradient_check.py).",
        discussion: """
            A 784-100-100-10 net with batch norm after each hidden affine layer (ReLU, He weights, Double) \
            takes the gradient of its loss on the first training image both ways; prints each parameter's \
            mean absolute difference as the script (`W1:…`, `gamma1:…`, `beta1:…`, …), then the relative \
            differences. With one image, batch norm outputs exactly β, so every ReLU after it sits at its \
            kink and beta2 differs (the script's own run shows it too); --batch-size 2 or more checks the \
            normalisation itself.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "Training images in the batch (the script: 1).")
    var batchSize = 1
    @Option(help: "Seed of the weights.")
    var seed: UInt64 = 42
    @Flag(help: "Print one JSON object with the numbers instead of the script's lines.")
    var json = false

    struct Report: Encodable {
        var experiment, dataset: String
        var batchSize: Int
        var seed: UInt64
        var parameters: [GradientComparison]
    }

    func validate() throws { try requireAtLeastOne(batchSize, "--batch-size") }

    func run() async throws {
        let info = try DatasetInfo.named(source.datasetName)
        let set = try Dataset.load(info, split: .train, dataDir: source.dataDir)
        try checkBatchSize(batchSize, fitsIn: set.count, "training images of \(info.name)")
        let x = set.tensors(rows: 0..<batchSize).images.converted(to: Double.self)
        let t = Labels<Double>.indices(set.labels.prefix(batchSize).map(Int.init))
        var rng = SeededGenerator(seed: seed)
        var net = Sequential<Double>.multiLayerNet(inputSize: set.featureCount, hiddenSizes: [100, 100],
                                                   outputSize: info.classCount, weightInit: .he,
                                                   batchNormalization: true, using: &rng)
        let numerical = try Self.numericalGradient(net, x, t)
        let rows = GradientComparison.compare(numerical, net.gradient(x, t))
        if json {
            try printJSON(Report(experiment: "batch-norm-gradient-check", dataset: info.name, batchSize: batchSize,
                                 seed: seed, parameters: rows))
        } else {
            GradientComparison.printLines(rows, separator: ":")
        }
    }

    /// The book's numerical gradient of every parameter, the parameters shared among the threads (each
    /// element's central difference is computed alone, so the figures are the same with any thread count).
    static func numericalGradient(_ net: Sequential<Double>, _ x: Tensor<Double>, _ t: Labels<Double>) throws -> NamedTensors<Double> {
        let parameters = net.parameters
        // W1 is most of the work: largest first, so the other thread takes the rest meanwhile.
        let order = parameters.indices.sorted { parameters[$0].tensor.count > parameters[$1].tensor.count }
        let gradients = try runInParallel(order.count) { k in
            let (name, value) = parameters[order[k]]
            return DLFSNN.numericalGradient(of: { nudged in net.replacing(name, with: nudged).loss(x, t, isTraining: true) },
                                            at: value)
        }
        var byParameter = [Tensor<Double>?](repeating: nil, count: order.count)
        for (k, p) in order.enumerated() { byParameter[p] = gradients[k] }
        return NamedTensors(names: parameters.names, tensors: byParameter.map { $0! })
    }
}

extension Sequential {
    /// The model with the parameter `name` set to `value` (of the same shape).
    func replacing(_ name: String, with value: Tensor<Scalar>) -> Sequential {
        var copy = self
        copy.updateParameters { parameterName, parameter, _ in
            if parameterName == name { parameter = value }
        }
        return copy
    }
}
