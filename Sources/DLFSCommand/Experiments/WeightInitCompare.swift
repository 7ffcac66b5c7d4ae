import ArgumentParser
import DLFS

/// `dlfs experiment weight-init-compare`: weight_init_compare.py (§6.2.4), the same ReLU net from weights of
/// σ = 0.01, Xavier's σ = √(1/n) and He's σ = √(2/n), trained by SGD (lr 0.01).
struct WeightInitCompare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weight-init-compare",
        abstract: "std 0.01, Xavier and He initial weights training the same net (weight_init_compare.py).",
        discussion: """
            Three nets of 4 hidden layers of 100 (ReLU), started from the same draws scaled by σ = 0.01, \
            √(1/n) and √(2/n), train by SGD (lr 0.01) on the same batches of 128 for 2,000 iterations. Every \
            100 iterations prints `===========iteration:i===========` and each net's batch loss after the \
            update (`std=0.01:2.30…`). --plot draws the smoothed losses on 0…2.5.
            """)

    @OptionGroup var source: DatasetOptions
    @OptionGroup var comparison: LossComparisonOptions
    @OptionGroup var options: ExperimentOptions

    /// The script's `weight_init_types`, in its order.
    static let contenders = [("std=0.01", WeightInit.standardDeviation(0.01)), ("Xavier", .xavier), ("He", .he)].map {
        LossComparison.Contender(name: $0.0, weightInit: $0.1, optimizer: .sgd, learningRate: 0.01)
    }

    func run() async throws {
        try await comparison.run("weight-init-compare", contenders: Self.contenders, source: source, options: options, yMax: 2.5) {
            "Initial weights on \($0), SGD, \(comparison.iters) iterations"
        }
    }
}
