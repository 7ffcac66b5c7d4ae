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
        let url = try options.start()
        let data = try await ExperimentData.load(source)
        try checkBatchSize(comparison.batchSize, fitsIn: data.train.count, "training images of \(data.info.name)")
        let experiment = LossComparison(contenders: Self.contenders, iterations: comparison.iters,
                                        batchSize: comparison.batchSize)
        let outcomes = try experiment.run(on: data, seed: options.seed)
        if options.json {
            try printJSON(LossComparisonReport(
                experiment: "weight-init-compare", dataset: data.info.name, seed: options.seed,
                iterations: comparison.iters, batchSize: comparison.batchSize, hidden: experiment.hiddenSizes, nets: outcomes))
        } else {
            LossComparison.lines(outcomes).forEach { print($0) }
        }
        let title = "Initial weights on \(data.info.name), SGD, \(comparison.iters) iterations"
        try options.draw(Panels([LossComparison.chart(outcomes, title: title, yMax: 2.5)], panelWidth: 640, panelHeight: 440),
                         to: url)
    }
}
