import DLFSCore
import Dispatch

/// How to train: the book's chapter-5 loop by default (10,000 iterations of batch 100 drawn with
/// replacement); the learning rate belongs to the optimizer.
public struct TrainingOptions: Sendable {
    /// How a step computes its gradient: backpropagation, or the numerical gradient of chapter 4.
    public enum GradientMethod: String, Sendable, CaseIterable, Codable {
        /// Backpropagation: one forward and one backward pass per step.
        case backprop
        /// Central differences, two forward passes per parameter: the slow but simple gradient of chapter 4.
        case numerical
    }

    /// Steps to run.
    public var iterations = 10_000
    /// Examples per step.
    public var batchSize = 100
    /// How batches are drawn.
    public var sampling = BatchSampling.withReplacement
    /// Backpropagation or the numerical gradient.
    public var gradient = GradientMethod.backprop
    /// Evaluate on the first N examples of each set instead of all of them (the book's
    /// `evaluate_sample_num_per_epoch`); nil for all.
    public var evaluationSampleCount: Int?
    /// Record each batch's loss after the update, in inference mode, as the book's `Trainer` and its
    /// comparison scripts do (one more forward pass a step); by default the loss before it, which the
    /// gradient pass gives for free.
    public var lossAfterUpdate = false

    /// The book's defaults: 10,000 iterations of 100, with replacement, by backpropagation.
    public init() {}

    /// The book's `iter_per_epoch = max(train_size / batch_size, 1)`, a float: evaluations happen where
    /// `i % iter_per_epoch == 0`.
    public func iterationsPerEpoch(trainCount: Int) -> Double { Swift.max(Double(trainCount) / Double(batchSize), 1) }

    /// The book's `Trainer`: `max_iter = int(epochs * iter_per_epoch)`.
    public mutating func setEpochs(_ epochs: Double, trainCount: Int) {
        iterations = Swift.max(1, Int(epochs * iterationsPerEpoch(trainCount: trainCount)))
    }
}

/// One evaluation: the accuracies after `iteration` (counted from 0, as the book's loop).
public struct EpochRecord: Sendable, Codable, Equatable {
    /// 0 for the evaluation before training, then one per epoch.
    public var epoch: Int
    /// The iteration at which the evaluation was taken.
    public var iteration: Int
    /// Accuracy on the training set (or its first `evaluationSampleCount` examples).
    public var trainAccuracy: Double
    /// Accuracy on the test set (or its first `evaluationSampleCount` examples).
    public var testAccuracy: Double
}

/// What training produced besides the net: the batch loss of every iteration, the evaluations, and the
/// test accuracy of the final model.
public struct TrainingHistory: Sendable {
    /// The loss of every step.
    public var losses: [Double] = []
    /// One record per epoch.
    public var epochs: [EpochRecord] = []
    /// The accuracy of the final model on the whole test set.
    public var finalTestAccuracy = 0.0
    /// Seconds in gradient steps and in evaluations.
    public var stepSeconds = 0.0, evaluationSeconds = 0.0
}

/// Training stopped because the loss stopped being a finite number.
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    /// The step whose loss was not finite.
    public var iteration: Int
    /// That loss (NaN or infinite).
    public var loss: Double
    /// The last finite loss before it, if any.
    public var lastFiniteLoss: Double?

    /// What happened, with the iteration and the losses.
    public var description: String {
        let last = lastFiniteLoss.map { "the last finite loss was \($0)" } ?? "no iteration had a finite loss"
        // A NaN prints with its payload bits (-nan(0x…)) otherwise.
        let became = loss.isNaN ? "NaN" : "\(loss)"
        return "training diverged: the loss became \(became) at iteration \(iteration) (\(last)); "
            + "try a smaller learning rate. No model was written."
    }
}

/// Called as training goes: after every iteration (for a progress bar) and after every evaluation; and
/// asked after every iteration whether to stop early (a user's stop button), which ends training as if
/// the iterations had run out: the evaluations under way are delivered and the final accuracy measured.
public struct TrainingObserver {
    /// Called after every step with its loss.
    public var iterationDone: (_ iteration: Int, _ loss: Double) -> Void
    /// Called with each epoch's record, in order.
    public var epochDone: (EpochRecord) -> Void
    /// Asked after every step; true stops training.
    public var shouldStop: () -> Bool

    /// An observer; each callback does nothing unless given.
    public init(iterationDone: @escaping (Int, Double) -> Void = { _, _ in }, epochDone: @escaping (EpochRecord) -> Void = { _ in },
                shouldStop: @escaping () -> Bool = { false }) {
        self.iterationDone = iterationDone
        self.epochDone = epochDone
        self.shouldStop = shouldStop
    }
}

/// The book's training loop (`train_neuralnet.py`, `common/trainer.py`) for any model and optimizer: for
/// each iteration draw a batch, compute the gradient, update the parameters, record the loss; at every
/// epoch boundary evaluate on the training and test sets; at the end, the test accuracy of the final model.
/// The recorded loss is the batch's before the update, or after it with `lossAfterUpdate` (as the book).
///
/// With more than one compute thread the evaluations run on a snapshot of the model on another thread while
/// the steps go on (a `BackgroundEvaluator`), and are reported in order as they finish; the steps use the
/// other cores meanwhile, and all of them between evaluations.
/// Deterministic for a seed: the same batches, the same arithmetic, the same records with any thread count.
public func train<Scalar: TensorScalar>(
    _ model: inout Sequential<Scalar>, optimizer: inout some Optimizer<Scalar>,
    on trainSet: any ExampleSet, test testSet: any ExampleSet,
    options: TrainingOptions, using rng: inout SeededGenerator, observer: TrainingObserver = TrainingObserver()
) throws -> TrainingHistory {
    let b = options.batchSize
    var sampler = BatchSampler(count: trainSet.count, batchSize: b, sampling: options.sampling, rng: rng)
    rng = SeededGenerator(seed: rng.next())  // the caller's generator moves on past what the sampler uses
    // The next batch is drawn a step ahead, so its images are on their way into cache during this step.
    var indices = [Int](repeating: 0, count: b), next = indices, labels = indices
    next.withUnsafeMutableBufferPointer { sampler.next(into: $0) }
    let perEpoch = options.iterationsPerEpoch(trainCount: trainSet.count)
    var history = TrainingHistory()
    history.losses.reserveCapacity(Swift.min(options.iterations, 1 << 20))
    let evaluation = Evaluation(trainSet: trainSet, testSet: testSet, sampleCount: options.evaluationSampleCount)
    let evaluator = BackgroundEvaluator<(record: EpochRecord, seconds: Double)>()
    var submitted = 0
    func deliver(_ finished: [(record: EpochRecord, seconds: Double)]) {
        for (record, seconds) in finished {
            history.epochs.append(record)
            history.evaluationSeconds += seconds
            observer.epochDone(record)
        }
    }
    for i in 0..<options.iterations {
        let t0 = monotonicSeconds()
        swap(&indices, &next)
        let isLast = i + 1 == options.iterations
        if !isLast { next.withUnsafeMutableBufferPointer { sampler.next(into: $0) } }
        let loss = ComputeThreads.withLimit(evaluator.threadsForSteps) {
            let x = Tensor<Scalar>(shape: [b, trainSet.featureCount]) { buffer in
                indices.withUnsafeBufferPointer { batch in
                    next.withUnsafeBufferPointer { gatherBatch(trainSet, batch, into: buffer.baseAddress!, prefetching: isLast ? nil : $0) }
                }
            }
            for r in 0..<b { labels[r] = trainSet.label(at: indices[r]) }
            return step(&model, &optimizer, x, .indices(labels), options)
        }
        history.stepSeconds += monotonicSeconds() - t0
        guard loss.isFinite else {
            throw TrainingDiverged(iteration: i, loss: Double(loss), lastFiniteLoss: history.losses.last)
        }
        history.losses.append(Double(loss))
        observer.iterationDone(i, Double(loss))
        if Double(i).truncatingRemainder(dividingBy: perEpoch) == 0 {
            let epoch = submitted
            evaluator.submit(model) { evaluation.run($0, epoch: epoch, iteration: i) }
            submitted += 1
        }
        deliver(evaluator.takeFinished())
        if observer.shouldStop() { break }
    }
    deliver(evaluator.waitForAll())
    history.finalTestAccuracy = model.accuracy(on: testSet)
    return history
}

/// The features of a batch, its rows shared among the compute threads (converting a hundred images is
/// otherwise one of the longest stretches of a step that only one thread works on); each thread then asks
/// for the same rows of the next batch, which are on their way into its cache during the step.
private func gatherBatch<Scalar: TensorScalar>(_ set: any ExampleSet, _ indices: UnsafeBufferPointer<Int>,
                                               into out: UnsafeMutablePointer<Scalar>, prefetching next: UnsafeBufferPointer<Int>?) {
    parallelRanges(indices.count, minimumLength: 1) { rows in
        set.gatherFeatures(UnsafeBufferPointer(rebasing: indices[rows]), into: out + rows.lowerBound * set.featureCount)
        if let next { set.prefetchFeatures(UnsafeBufferPointer(rebasing: next[rows.clamped(to: next.indices)])) }
    }
}

/// One update of the model from the batch (x, t); returns the batch loss before it, or after it.
private func step<Scalar>(_ model: inout Sequential<Scalar>, _ optimizer: inout some Optimizer<Scalar>,
                          _ x: Tensor<Scalar>, _ t: Labels<Scalar>, _ options: TrainingOptions) -> Scalar {
    let loss: Scalar
    switch options.gradient {
    case .backprop:
        let (before, gradients) = model.lossAndGradient(x, t)
        optimizer.update(&model, with: gradients)
        loss = before
    case .numerical:
        loss = model.loss(x, t, isTraining: true)
        let gradients = model.isTwoLayerNet ? model.incrementalNumericalGradient(x, t) : model.numericalGradient(x, t)
        optimizer.update(&model, with: gradients)
    }
    guard options.lossAfterUpdate else { return loss }
    return model.loss(x, t)
}

/// The evaluation of one epoch: accuracy on (the first `sampleCount` examples of) both sets.
private struct Evaluation: Sendable {
    let trainSet: any ExampleSet, testSet: any ExampleSet
    let sampleCount: Int?

    func run<Scalar>(_ model: Sequential<Scalar>, epoch: Int, iteration: Int) -> (record: EpochRecord, seconds: Double) {
        let t0 = monotonicSeconds()
        let record = EpochRecord(epoch: epoch, iteration: iteration,
                                 trainAccuracy: model.accuracy(on: trainSet, sampleCount: sampleCount),
                                 testAccuracy: model.accuracy(on: testSet, sampleCount: sampleCount))
        return (record, monotonicSeconds() - t0)
    }
}

private func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
