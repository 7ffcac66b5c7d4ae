import ArgumentParser
import DLFS

/// `dlfs experiment optimizer-compare-mnist`: optimizer_compare_mnist.py (§6.1.8), SGD, Momentum, AdaGrad
/// and Adam with their classes' default learning rates on a 784-100-100-100-100-10 ReLU net.
struct OptimizerCompareMNIST: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimizer-compare-mnist",
        abstract: "SGD, Momentum, AdaGrad and Adam training the same net (optimizer_compare_mnist.py).",
        discussion: """
            Four nets of 4 hidden layers of 100 (ReLU, He weights), one per optimizer with its class default \
            (SGD, Momentum, AdaGrad 0.01; Adam 0.001), train on the same batches of 128 for 2,000 iterations. \
            Every 100 iterations prints `===========iteration:i===========` and each net's batch loss after \
            the update (`SGD:2.30…`). --plot draws the smoothed losses (the book's smooth_curve) on 0…1.
            """)

    @OptionGroup var source: DatasetOptions
    @OptionGroup var comparison: LossComparisonOptions
    @OptionGroup var options: ExperimentOptions

    static let contenders = [OptimizerName.sgd, .momentum, .adagrad, .adam].map { name in
        LossComparison.Contender(name: bookName(name), weightInit: .he, optimizer: name, learningRate: name.defaultLearningRate)
    }

    /// The script's keys: `SGD`, `Momentum`, `AdaGrad`, `Adam`.
    static func bookName(_ name: OptimizerName) -> String {
        switch name {
        case .sgd: "SGD"
        case .momentum: "Momentum"
        case .nesterov: "Nesterov"
        case .adagrad: "AdaGrad"
        case .rmsprop: "RMSprop"
        case .adam: "Adam"
        }
    }

    func run() async throws {
        try await comparison.run("optimizer-compare-mnist", contenders: Self.contenders, source: source, options: options, yMax: 1) {
            "Optimizers on \($0), \(comparison.iters) iterations of \(comparison.batchSize)"
        }
    }
}
