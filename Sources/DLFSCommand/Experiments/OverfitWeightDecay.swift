import ArgumentParser
import DLFS

/// `dlfs experiment overfit-weight-decay`: overfit_weight_decay.py (§6.4.2), a net of 6 hidden layers of 100
/// overfitting 300 training images, held back by weight decay λ.
struct OverfitWeightDecay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overfit-weight-decay",
        abstract: "Weight decay against overfitting 300 images (overfit_weight_decay.py).",
        discussion: """
            A net of 6 hidden layers of 100 (ReLU, He weights) with weight decay λ (0.1 as the script; \
            --lambda 0 for the overfitting baseline) trains by SGD (lr 0.01) on batches of 100 from the first \
            300 training images for 201 epochs, printing `epoch:N, train acc:…, test acc:…` each epoch. \
            --plot draws the train and test accuracy curves.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(name: .customLong("lambda"), help: "Weight decay λ: λ/2·ΣW² joins the loss.")
    var weightDecay = 0.1
    @OptionGroup var overfit: OverfitOptions
    @Option(help: "Epochs (the script's max_epochs).")
    var epochs = 201
    @OptionGroup var options: ExperimentOptions

    func validate() throws {
        try requireAtLeastOne(epochs, "--epochs")
        guard weightDecay.isFinite && weightDecay >= 0 else { throw ValidationError("--lambda must be a number ≥ 0, not \(weightDecay)") }
    }

    func run() async throws {
        let url = try options.start()
        let (trainSet, testSet, info, net, trainingSeed) = try await overfit.setUp(source, seed: options.seed,
                                                                                   weightDecay: weightDecay)
        var model = net
        let observer = TrainingObserver(epochDone: { record in
            options.say("epoch:\(record.epoch), train acc:\(record.trainAccuracy), test acc:\(record.testAccuracy)")
        })
        let history = try EpochTraining(epochs: epochs).run(&model, .sgd, learningRate: 0.01, on: trainSet, test: testSet,
                                                            seed: trainingSeed, observer: observer)
        if options.json {
            try printJSON(OverfitReport(experiment: "overfit-weight-decay", dataset: info.name, seed: options.seed,
                                        trainSize: trainSet.count, testSize: testSet.count, weightDecay: weightDecay,
                                        dropoutRatio: nil, history: history))
        }
        let title = "Weight decay λ = \(weightDecay): \(trainSet.count) \(info.name) images, 6 × 100 ReLU"
        try options.draw(overfit.figure(history, title: title), to: url)
    }
}

/// The training and test sets of the overfitting scripts, and their net's shape.
struct OverfitOptions: ParsableArguments {
    @Option(help: "Training images used (the first ones; the scripts: 300).")
    var trainSize = 300
    @Option(help: "Test images evaluated each epoch (the first ones; default all).")
    var testSize: Int?

    /// The scripts' `hidden_size_list=[100, 100, 100, 100, 100, 100]`.
    static let hiddenSizes = [100, 100, 100, 100, 100, 100]

    func validate() throws {
        try requireAtLeastOne(trainSize, "--train-size")
        if let testSize { try requireAtLeastOne(testSize, "--test-size") }
    }

    /// The scripts' data and net, the 6 × 100 ReLU net with He weights and the given weight decay or dropout,
    /// and the seed of the training run that follows (both seeds drawn from the experiment's `seed`).
    func setUp(_ source: DatasetOptions, seed: UInt64, weightDecay: Double = 0, dropout: Double? = nil) async throws
        -> (train: ImageSet, test: ImageSet, info: DatasetInfo, model: Sequential<Float>, trainingSeed: UInt64) {
        let data = try await ExperimentData.load(source)
        let testCount = min(testSize ?? data.test.count, data.test.count)
        let trainSet = try data.trainingPrefix(trainSize)
        let testSet = testCount == data.test.count ? data.test : data.test.subset(0..<testCount)
        let seeds = runSeeds(seed, count: 2)
        var rng = SeededGenerator(seed: seeds[0])
        let model = Sequential<Float>.multiLayerNet(
            inputSize: trainSet.featureCount, hiddenSizes: Self.hiddenSizes, outputSize: data.info.classCount,
            weightInit: .he, dropout: dropout, weightDecay: weightDecay, using: &rng)
        return (trainSet, testSet, data.info, model, seeds[1])
    }

    /// The scripts' figure: train and test accuracy per epoch on 0…1, the legend at the lower right.
    func figure(_ history: TrainingHistory, title: String) -> Panels {
        let chart = accuracyChart(title: nil, [("train", history.trainAccuracies), ("test", history.testAccuracies)])
        return Panels([chart], title: title, panelWidth: 640, panelHeight: 440)
    }
}

/// What `--json` prints for an overfitting run.
struct OverfitReport: Encodable {
    var experiment, dataset: String
    var seed: UInt64
    var trainSize, testSize: Int
    var weightDecay: Double
    var dropoutRatio: Double?
    var train, test: [Double]
    /// The last epoch's accuracies and train minus test, the overfitting gap.
    var finalTrainAccuracy, finalTestAccuracy, gap: Double
    /// The test accuracy of the model at the end of training, on the whole test set.
    var finalModelTestAccuracy: Double

    init(experiment: String, dataset: String, seed: UInt64, trainSize: Int, testSize: Int, weightDecay: Double,
         dropoutRatio: Double?, history: TrainingHistory) {
        (self.experiment, self.dataset, self.seed, self.trainSize, self.testSize) = (experiment, dataset, seed, trainSize, testSize)
        (self.weightDecay, self.dropoutRatio) = (weightDecay, dropoutRatio)
        (train, test) = (history.trainAccuracies, history.testAccuracies)
        (finalTrainAccuracy, finalTestAccuracy) = (train.last ?? 0, test.last ?? 0)
        gap = finalTrainAccuracy - finalTestAccuracy
        finalModelTestAccuracy = history.finalTestAccuracy
    }
}
