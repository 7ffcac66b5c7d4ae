import DLFS

/// How the chapter-6 scripts train and measure, run by the library's `train`: steps on batches drawn with
/// replacement, and at each epoch boundary (i % iter_per_epoch == 0, iter_per_epoch = max(n / batch, 1))
/// the accuracy on the whole training set and the whole test set.
struct EpochTraining {
    /// Where training stops: right after the last evaluation, as the scripts' own loops do (`if epoch_cnt >=
    /// max_epochs: break`, for a whole number of batches per epoch), or after int(epochs · iter_per_epoch)
    /// iterations, as the book's `Trainer` does.
    enum Ending { case atLastEvaluation, afterLastEpoch }

    var epochs: Int
    var batchSize = 100
    var ending = Ending.atLastEvaluation
    /// Record each batch's loss after its update, as the `Trainer` prints it.
    var lossAfterUpdate = false

    func options(trainCount: Int) -> TrainingOptions {
        precondition(epochs > 0, "EpochTraining: \(epochs) epochs")
        var options = TrainingOptions()
        options.batchSize = batchSize
        options.lossAfterUpdate = lossAfterUpdate
        switch ending {
        case .afterLastEpoch:
            options.setEpochs(Double(epochs), trainCount: trainCount)
        case .atLastEvaluation:
            options.iterations = Int(Double(epochs - 1) * options.iterationsPerEpoch(trainCount: trainCount)) + 1
        }
        return options
    }

    /// Trains `model` in place with a fresh optimizer and returns what `train` recorded: `epochs`
    /// evaluations (test accuracy 0 without a test set) and every step's loss. `seed` draws the batches.
    func run<S: TensorScalar>(
        _ model: inout Sequential<S>, _ optimizer: OptimizerName, learningRate: Double, on trainSet: any ExampleSet,
        test testSet: (any ExampleSet)? = nil, seed: UInt64, observer: TrainingObserver = TrainingObserver()
    ) throws -> TrainingHistory {
        var optimizer = optimizer.make(S.self, learningRate: learningRate)
        var rng = SeededGenerator(seed: seed)
        let test = testSet ?? TensorExamples<S>(features: .zeros([0, trainSet.featureCount]), labels: [],
                                                 classCount: trainSet.classCount)
        return try train(&model, optimizer: &optimizer, on: trainSet, test: test,
                         options: options(trainCount: trainSet.count), using: &rng, observer: observer)
    }
}

extension TrainingHistory {
    /// Train accuracy per epoch, the scripts' `train_acc_list`.
    var trainAccuracies: [Double] { epochs.map(\.trainAccuracy) }
    /// Test (or validation) accuracy per epoch, the scripts' `test_acc_list`.
    var testAccuracies: [Double] { epochs.map(\.testAccuracy) }
}

/// Per-epoch accuracies on 0…1 as the scripts draw them (`plt.ylim(0, 1.0)`): the first curve solid, the
/// others dashed. Without `legend` the curves go unnamed, for the small panels of a grid.
func accuracyChart(title: String?, _ curves: [(name: String, values: [Double])], xLabel: String? = "epochs",
                   yLabel: String? = "accuracy", legend: Bool = true) -> LineChart {
    let series = curves.enumerated().map { k, curve in
        Series(name: legend ? curve.name : nil, points: curve.values.enumerated().map { Point(Double($0.offset), $0.element) },
               color: palette[k % palette.count], dash: k == 0 ? nil : "5 3")
    }
    return LineChart(labels: ChartLabels(title: title, xLabel: xLabel, yLabel: yLabel), series: series, yDomain: 0...1,
                     legend: .bottomRight)
}

/// A loss as the scripts print it: a Float32 loss with the digits Float32 has, a Float64 one with its own.
func lossText(_ loss: Double, float32: Bool = true) -> String { float32 ? "\(Float(loss))" : "\(loss)" }
