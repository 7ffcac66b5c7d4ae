import ArgumentParser
import DLFS
import Foundation

/// Nets of one shape trained side by side on the same batches, each batch loss recorded after its update:
/// optimizer_compare_mnist.py and weight_init_compare.py. Every net starts from the same draws of weights
/// (scaled by its own initialisation), so only the compared setting differs; the nets train in parallel.
struct LossComparison {
    struct Contender {
        var name: String
        var weightInit: WeightInit
        var optimizer: OptimizerName
        var learningRate: Double
    }

    struct Outcome: Encodable {
        var name, weightInit, optimizer: String
        var learningRate: Double
        /// The batch loss after each iteration's update, as the scripts' `train_loss` lists.
        var losses: [Double]
        /// The test accuracy of the trained net (the scripts do not print it).
        var finalTestAccuracy: Double
    }

    var contenders: [Contender]
    /// The scripts' `hidden_size_list=[100, 100, 100, 100]`, ReLU.
    var hiddenSizes = [100, 100, 100, 100]
    var iterations: Int
    var batchSize: Int

    func run(on data: ExperimentData, seed: UInt64) throws -> [Outcome] {
        let seeds = runSeeds(seed, count: 2)  // the weights' draws, the batches' draws: the same for every net
        var options = TrainingOptions()
        (options.iterations, options.batchSize, options.lossAfterUpdate) = (iterations, batchSize, true)
        options.evaluationSampleCount = 0  // the scripts evaluate nothing while training
        return try runInParallel(contenders.count) { k in
            let contender = contenders[k]
            var rng = SeededGenerator(seed: seeds[0])
            var model = Sequential<Float>.multiLayerNet(
                inputSize: data.train.featureCount, hiddenSizes: hiddenSizes, outputSize: data.info.classCount,
                activation: .relu, weightInit: contender.weightInit, using: &rng)
            var optimizer = contender.optimizer.make(Float.self, learningRate: contender.learningRate)
            var batches = SeededGenerator(seed: seeds[1])
            let history = try train(&model, optimizer: &optimizer, on: data.train, test: data.test, options: options,
                                    using: &batches)
            return Outcome(name: contender.name, weightInit: contender.weightInit.description,
                           optimizer: contender.optimizer.rawValue, learningRate: contender.learningRate,
                           losses: history.losses, finalTestAccuracy: history.finalTestAccuracy)
        }
    }

    /// The scripts' lines: every 100 iterations `===========iteration:i===========`, then `name:loss` per net.
    static func lines(_ outcomes: [Outcome]) -> [String] {
        let count = outcomes.first?.losses.count ?? 0
        return stride(from: 0, to: count, by: 100).flatMap { i in
            ["===========iteration:\(i)==========="] + outcomes.map { "\($0.name):\(lossText($0.losses[i]))" }
        }
    }

    /// The scripts' figure: each net's loss through the book's `smooth_curve`, on 0…`yMax`.
    static func chart(_ outcomes: [Outcome], title: String, yMax: Double) -> LineChart {
        let dashes = [nil, "6 3", "2 2", "8 3 2 3"]
        let series = outcomes.enumerated().map { k, outcome in
            Series(name: outcome.name, values: smoothCurve(outcome.losses), color: palette[k % palette.count])
                .dashed(dashes[k % dashes.count])
        }
        return LineChart(labels: ChartLabels(title: title, xLabel: "iterations", yLabel: "loss"), series: series,
                         yDomain: 0...yMax)
    }
}

/// `--iters` and `--batch-size` of the two loss comparisons, with the scripts' defaults.
struct LossComparisonOptions: ParsableArguments {
    @Option(help: "Iterations (the scripts' max_iterations).")
    var iters = 2000
    @Option(help: "Examples per batch.")
    var batchSize = 128

    func validate() throws {
        try requireAtLeastOne(iters, "--iters")
        try requireAtLeastOne(batchSize, "--batch-size")
    }

    /// The whole of a loss-comparison command: train each contender, print the script's lines (or the JSON
    /// report named `experiment`), draw the smoothed losses titled `title(dataset)` on 0…yMax.
    func run(_ experiment: String, contenders: [LossComparison.Contender], source: DatasetOptions,
             options: ExperimentOptions, yMax: Double, title: (String) -> String) async throws {
        let url = try options.start()
        let data = try await ExperimentData.load(source)
        try checkBatchSize(batchSize, fitsIn: data.train.count, "training images of \(data.info.name)")
        let comparison = LossComparison(contenders: contenders, iterations: iters, batchSize: batchSize)
        let outcomes = try comparison.run(on: data, seed: options.seed)
        if options.json {
            try printJSON(LossComparisonReport(
                experiment: experiment, dataset: data.info.name, seed: options.seed, iterations: iters,
                batchSize: batchSize, hidden: comparison.hiddenSizes, nets: outcomes))
        } else {
            LossComparison.lines(outcomes).forEach { print($0) }
        }
        let chart = LossComparison.chart(outcomes, title: title(data.info.name), yMax: yMax)
        try options.draw(Panels([chart], panelWidth: 640, panelHeight: 440), to: url)
    }
}

/// What `--json` prints for a loss comparison.
struct LossComparisonReport: Encodable {
    var experiment, dataset: String
    var seed: UInt64
    var iterations, batchSize: Int
    var hidden: [Int]
    var nets: [LossComparison.Outcome]
}

extension Series {
    /// The same series drawn with a dash pattern (nil: solid).
    func dashed(_ pattern: String?) -> Series {
        var copy = self
        copy.dash = pattern
        return copy
    }
}
