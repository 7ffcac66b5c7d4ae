import ArgumentParser
import DLFS
import Foundation

/// `dlfs experiment hyperparameter-optimization`: hyperparameter_optimization.py (§6.5.3), a random search
/// of learning rate and weight decay judged on a validation set held out of 500 training images.
struct HyperparameterOptimization: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyperparameter-optimization",
        abstract: "Random search of learning rate and weight decay on a validation set (hyperparameter_optimization.py).",
        discussion: """
            The first 500 training images are shuffled and 20 % held out for validation. Each of 100 trials \
            draws weight decay 10^U(−8, −4) and lr 10^U(−6, −2) and trains a net of 6 hidden layers of 100 \
            (ReLU, He weights) by SGD as the book's Trainer (batches of 100, 50 epochs), printing \
            `val acc:… | lr:…, weight decay:…`; then the 20 best by final validation accuracy, \
            `Best-N(val acc:…) | lr:…, weight decay:…`. Trials share the cores; every draw is made up front \
            from --seed. --plot draws the best trials' curves in a 5 × 4 grid (validation solid, train dashed).
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "Training images used (the first ones), before the validation split.")
    var trainSize = 500
    @Option(help: "Random trials (the script's optimization_trial).")
    var trials = 100
    @Option(help: "Epochs per trial.")
    var epochs = 50
    @Option(help: "Best trials listed and drawn (the script's graph_draw_num).")
    var best = 20
    @OptionGroup var options: ExperimentOptions

    static let validationRate = 0.2

    struct Trial: Encodable {
        var learningRate, weightDecay: Double
        var seed: UInt64
        /// Accuracy per epoch on the validation and the training images.
        var validation: [Double] = [], train: [Double] = []
        var finalValidationAccuracy: Double { validation.last ?? 0 }
        /// The script's key: `lr:…, weight decay:…`.
        var key: String { "lr:\(learningRate), weight decay:\(weightDecay)" }
    }

    struct Report: Encodable {
        var experiment, dataset: String
        var seed: UInt64
        var trainSize, validationSize, epochs: Int
        var trials: [Trial]
        /// Trial numbers (from 0) from the best final validation accuracy down.
        var ranking: [Int]
    }

    func validate() throws {
        for (value, name) in [(trainSize, "--train-size"), (trials, "--trials"), (epochs, "--epochs"), (best, "--best")] {
            try requireAtLeastOne(value, name)
        }
        guard Int(Double(trainSize) * Self.validationRate) >= 1 && trainSize >= 2 else {
            throw ValidationError("--train-size \(trainSize) leaves no validation images (20 % are held out)")
        }
    }

    func run() async throws {
        let url = try options.start()
        let data = try await ExperimentData.load(source)
        let examples = try data.trainingPrefix(trainSize)
        var rng = SeededGenerator(seed: options.seed)
        // shuffle_dataset, then the first 20 % validate; the trials' draws follow, all before any training.
        var order = Array(0..<trainSize)
        for i in stride(from: trainSize - 1, to: 0, by: -1) { order.swapAt(i, rng.nextIndex(below: i + 1)) }
        let validationCount = Int(Double(trainSize) * Self.validationRate)
        let (validationSet, trainSet) = (examples.subset(order[..<validationCount]), examples.subset(order[validationCount...]))
        let drawn = (0..<trials).map { _ in
            let weightDecay = Foundation.pow(10, -8 + 4 * rng.nextUnit())
            return Trial(learningRate: Foundation.pow(10, -6 + 4 * rng.nextUnit()), weightDecay: weightDecay, seed: rng.next())
        }
        let training = EpochTraining(epochs: epochs, ending: .afterLastEpoch)
        let results = try runInParallel(trials, deliver: { (_, trial: Trial) in
            options.say("val acc:\(trial.finalValidationAccuracy) | \(trial.key)")
        }) { k in
            var trial = drawn[k]
            var weights = SeededGenerator(seed: trial.seed)
            var model = Sequential<Float>.multiLayerNet(
                inputSize: trainSet.featureCount, hiddenSizes: [100, 100, 100, 100, 100, 100], outputSize: data.info.classCount,
                weightInit: .he, weightDecay: trial.weightDecay, using: &weights)
            let history = try training.run(&model, .sgd, learningRate: trial.learningRate, on: trainSet, test: validationSet,
                                           seed: weights.next())
            (trial.validation, trial.train) = (history.testAccuracies, history.trainAccuracies)
            return trial
        }
        // Python's sorted(…, reverse=True) is stable: equal accuracies keep the trials' order.
        let accuracies = results.map(\.finalValidationAccuracy)
        let ranking = results.indices.sorted { a, b in accuracies[a] != accuracies[b] ? accuracies[a] > accuracies[b] : a < b }
        let shown = Array(ranking.prefix(best))
        options.say("=========== Hyper-Parameter Optimization Result ===========")
        for (place, k) in shown.enumerated() {
            options.say("Best-\(place + 1)(val acc:\(results[k].finalValidationAccuracy)) | \(results[k].key)")
        }
        if options.json {
            try printJSON(Report(experiment: "hyperparameter-optimization", dataset: data.info.name, seed: options.seed,
                                 trainSize: trainSet.count, validationSize: validationSet.count, epochs: epochs,
                                 trials: results, ranking: ranking))
        }
        try options.draw(figure(shown.map { results[$0] }, dataset: data.info.name), to: url)
    }

    /// The script's grid of 5 columns: `Best-N` panels on 0…1, validation solid and train dashed.
    func figure(_ trials: [Trial], dataset: String) -> Panels {
        let charts = trials.enumerated().map { place, trial in
            var chart = accuracyChart(title: "Best-\(place + 1)", [("val", trial.validation), ("train", trial.train)],
                                      xLabel: nil, yLabel: nil, legend: place == 0)
            chart.labels.notes = [String(format: "lr %.2e, wd %.2e", trial.learningRate, trial.weightDecay)]
            return chart
        }
        return Panels(charts, title: "Random search on \(trainSize) \(dataset) images: the \(charts.count) best of \(self.trials)",
                      columns: min(5, charts.count), panelWidth: 250, panelHeight: 210)
    }
}
