import ArgumentParser
import DLFS
import Foundation

/// `dlfs experiment batch-norm-test`: batch_norm_test.py (§6.3.2), the same net with and without batch
/// normalisation from weights of 16 scales, trained on 1,000 examples.
struct BatchNormTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-norm-test",
        abstract: "Training with and without batch norm from 16 weight scales (batch_norm_test.py).",
        discussion: """
            For each σ of np.logspace(0, -4, 16), two nets of 5 hidden layers of 100 (ReLU), one with batch \
            norm after each hidden affine layer, start from the same weights N(0, σ²) and train by SGD (lr \
            0.01) on the same batches of 100 from the first 1,000 training images. Prints \
            `============== i/16 ==============` and for each of the 20 epochs `epoch:N | a - b`, the train \
            accuracy without (a) and with (b) batch norm. The 32 runs share the cores. --plot draws the 4 × 4 \
            grid of accuracy curves.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "Training images used (the first ones).")
    var trainSize = 1000
    @Option(help: "Epochs per run (the script's max_epochs).")
    var epochs = 20
    @Option(help: "Weight scales, from 1 down to 1e-4 evenly in log scale (the script: 16).")
    var scales = 16
    @OptionGroup var options: ExperimentOptions

    struct Run: Encodable {
        var weightScale: Double
        /// Train accuracy per epoch with batch norm, and without (the script's bn_train_acc_list, train_acc_list).
        var batchNorm, normal: [Double]
    }

    struct Report: Encodable {
        var experiment, dataset: String
        var seed: UInt64
        var trainSize, epochs: Int
        var runs: [Run]
    }

    func validate() throws {
        for (value, name) in [(trainSize, "--train-size"), (epochs, "--epochs"), (scales, "--scales")] {
            try requireAtLeastOne(value, name)
        }
    }

    /// np.logspace(0, −4, count): 10^(−4k / (count − 1)), the last exactly 1e-4.
    static func weightScales(_ count: Int) -> [Double] {
        guard count > 1 else { return [1] }
        let step = -4.0 / Double(count - 1)
        return (0..<count).map { k in k == count - 1 ? 1e-4 : Foundation.pow(10, Double(k) * step) }
    }

    func run() async throws {
        let url = try options.start()
        let data = try await ExperimentData.load(source)
        let trainSet = try data.trainingPrefix(trainSize)
        let weightScales = Self.weightScales(scales)
        // Both nets of a scale start from the same weights and see the same batches, as the script's pair.
        let seeds = runSeeds(options.seed, count: 2 * scales)
        let training = EpochTraining(epochs: epochs)
        var normal: [Double] = []
        let histories = try runInParallel(2 * scales, deliver: { (index: Int, history: TrainingHistory) in
            // Runs come in pairs, without batch norm first: print a scale's lines once both are done.
            if index % 2 == 0 {
                normal = history.trainAccuracies
                return
            }
            options.say("============== \(index / 2 + 1)/\(scales) ==============")
            for (epoch, (a, b)) in zip(normal, history.trainAccuracies).enumerated() { options.say("epoch:\(epoch) | \(a) - \(b)") }
        }) { index in
            let (scale, batchNorm) = (index / 2, index % 2 == 1)
            var rng = SeededGenerator(seed: seeds[2 * scale])
            var model = Sequential<Float>.multiLayerNet(
                inputSize: trainSet.featureCount, hiddenSizes: [100, 100, 100, 100, 100], outputSize: data.info.classCount,
                activation: .relu, weightInit: .standardDeviation(weightScales[scale]), batchNormalization: batchNorm,
                using: &rng)
            return try training.run(&model, .sgd, learningRate: 0.01, on: trainSet, seed: seeds[2 * scale + 1])
        }
        let runs = weightScales.enumerated().map { k, w in
            Run(weightScale: w, batchNorm: histories[2 * k + 1].trainAccuracies, normal: histories[2 * k].trainAccuracies)
        }
        if options.json {
            try printJSON(Report(experiment: "batch-norm-test", dataset: data.info.name, seed: options.seed,
                                 trainSize: trainSize, epochs: epochs, runs: runs))
        }
        try options.draw(figure(runs, dataset: data.info.name), to: url)
    }

    /// The script's grid: one panel per scale titled `W:σ`, batch norm solid and without dashed, the legend
    /// in the last panel, axis labels on the outer panels.
    func figure(_ runs: [Run], dataset: String) -> Panels {
        let columns = min(4, runs.count)
        let charts = runs.enumerated().map { k, run in
            accuracyChart(title: "W:\(run.weightScale)", [("Batch Normalization", run.batchNorm), ("Normal(without BatchNorm)", run.normal)],
                          xLabel: k >= runs.count - columns ? "epochs" : nil, yLabel: k % columns == 0 ? "accuracy" : nil,
                          legend: k == runs.count - 1)
        }
        return Panels(charts, title: "Batch normalization on \(trainSize) \(dataset) images, SGD lr 0.01",
                      columns: columns, panelWidth: 300, panelHeight: 240)
    }
}
