import ArgumentParser
import DLFS

/// `dlfs experiment overfit-dropout`: overfit_dropout.py (§6.4.3), the overfitting net of
/// overfit-weight-decay with dropout after each hidden layer instead of weight decay, run by the Trainer.
struct OverfitDropout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overfit-dropout",
        abstract: "Dropout against overfitting 300 images (overfit_dropout.py).",
        discussion: """
            A net of 6 hidden layers of 100 (ReLU, He weights) with dropout 0.2 after each hidden activation \
            trains as the book's Trainer runs it: SGD (lr 0.01), batches of 100 from the first 300 training \
            images, 301 epochs. Prints the Trainer's `=== epoch:N, train acc:…, test acc:… ===` lines and \
            `test acc:…` of the final model (--verbose: also its `train loss:…` line for every iteration). \
            --plot draws the train and test accuracy curves.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "The share of hidden units dropped in training (0 to 1; 0 for the overfitting baseline).")
    var dropoutRatio = 0.2
    @OptionGroup var overfit: OverfitOptions
    @Option(help: "Epochs (the script's Trainer: 301).")
    var epochs = 301
    @Flag(help: "Also print the loss of every iteration, as the Trainer's verbose mode.")
    var verbose = false
    @OptionGroup var options: ExperimentOptions

    func validate() throws {
        try requireAtLeastOne(epochs, "--epochs")
        guard (0..<1).contains(dropoutRatio) else { throw ValidationError("--dropout-ratio must be at least 0 and below 1, not \(dropoutRatio)") }
    }

    func run() async throws {
        let url = try options.start()
        let (trainSet, testSet, info, net, trainingSeed) = try await overfit.setUp(source, seed: options.seed,
                                                                                   dropout: dropoutRatio > 0 ? dropoutRatio : nil)
        var model = net
        let training = EpochTraining(epochs: epochs, ending: .afterLastEpoch, lossAfterUpdate: true)
        // Epoch lines as they come; with --verbose everything at the end, each loss line before its epoch line.
        let observer = TrainingObserver(epochDone: { record in
            if !verbose { options.say(Self.epochLine(record)) }
        })
        let history = try training.run(&model, .sgd, learningRate: 0.01, on: trainSet, test: testSet, seed: trainingSeed,
                                       observer: observer)
        if verbose && !options.json {
            let epochsByIteration = Dictionary(uniqueKeysWithValues: history.epochs.map { ($0.iteration, $0) })
            for (i, loss) in history.losses.enumerated() {
                print("train loss:\(lossText(loss))")
                if let record = epochsByIteration[i] { print(Self.epochLine(record)) }
            }
        }
        options.say("=============== Final Test Accuracy ===============")
        options.say("test acc:\(history.finalTestAccuracy)")
        if options.json {
            try printJSON(OverfitReport(experiment: "overfit-dropout", dataset: info.name, seed: options.seed,
                                        trainSize: trainSet.count, testSize: testSet.count, weightDecay: 0,
                                        dropoutRatio: dropoutRatio, history: history))
        }
        let title = "Dropout \(dropoutRatio): \(trainSet.count) \(info.name) images, 6 × 100 ReLU"
        try options.draw(overfit.figure(history, title: title), to: url)
    }

    /// The Trainer's epoch line, which counts epochs from 1.
    static func epochLine(_ record: EpochRecord) -> String {
        "=== epoch:\(record.epoch + 1), train acc:\(record.trainAccuracy), test acc:\(record.testAccuracy) ==="
    }
}
