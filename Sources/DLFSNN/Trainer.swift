import DLFSCore
import Dispatch

/// What to train with: the book's chapter-5 configuration by default.
public struct TrainingOptions: Sendable {
    public enum GradientMethod: String, Sendable, CaseIterable, Codable { case backprop, numerical }

    public var iterations = 10_000
    public var batchSize = 100
    public var learningRate = 0.1
    public var sampling = BatchSampling.withReplacement
    public var gradient = GradientMethod.backprop

    public init() {}

    /// The book's `iter_per_epoch = max(train_size / batch_size, 1)`, a float: evaluations happen where
    /// `i % iter_per_epoch == 0`.
    public func iterationsPerEpoch(trainCount: Int) -> Double { Swift.max(Double(trainCount) / Double(batchSize), 1) }
}

/// One evaluation: the accuracies after `iteration` (counted from 0, as the book's loop).
public struct EpochRecord: Sendable, Codable, Equatable {
    public var epoch: Int
    public var iteration: Int
    public var trainAccuracy: Double
    public var testAccuracy: Double
}

/// What training produced besides the net: the batch loss of every iteration and the evaluations.
public struct TrainingHistory: Sendable {
    public var losses: [Double] = []
    public var epochs: [EpochRecord] = []
    /// Seconds in gradient steps and in evaluations.
    public var stepSeconds = 0.0, evaluationSeconds = 0.0
}

/// Training stopped because the loss stopped being a finite number.
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    public var iteration: Int
    public var loss: Double
    public var lastFiniteLoss: Double?

    public var description: String {
        let last = lastFiniteLoss.map { "the last finite loss was \($0)" } ?? "no iteration had a finite loss"
        return "training diverged: the loss became \(loss) at iteration \(iteration) (\(last)); "
            + "try a smaller learning rate. No model was written."
    }
}

/// Called as training goes: after every iteration (for a progress bar) and after every evaluation.
public struct TrainingObserver {
    public var iterationDone: (_ iteration: Int, _ loss: Double) -> Void
    public var epochDone: (EpochRecord) -> Void

    public init(iterationDone: @escaping (Int, Double) -> Void = { _, _ in }, epochDone: @escaping (EpochRecord) -> Void = { _ in }) {
        self.iterationDone = iterationDone
        self.epochDone = epochDone
    }
}

/// The book's training loop (`train_neuralnet.py`): for each iteration draw a batch, compute the
/// gradient, take an SGD step, record the loss; at every epoch boundary evaluate the whole training and
/// test sets. Deterministic for a seed: the same batches, the same arithmetic with any thread count.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func train<Scalar: TensorScalar>(
    _ net: inout TwoLayerNet<Scalar>, on trainSet: any ExampleSet, test testSet: any ExampleSet,
    options: TrainingOptions, using rng: inout SeededGenerator, observer: TrainingObserver = TrainingObserver()
) throws -> TrainingHistory {
    precondition(trainSet.featureCount == net.inputSize && testSet.featureCount == net.inputSize, "train: feature count")
    let b = options.batchSize
    var sampler = BatchSampler(count: trainSet.count, batchSize: b, sampling: options.sampling, rng: rng)
    rng = SeededGenerator(seed: rng.next())  // the caller's generator moves on past what the sampler uses
    var workspace = TrainingWorkspace(for: net, batchSize: b)
    var indices = [Int](repeating: 0, count: b), labels = [Int](repeating: 0, count: b)
    var x = [Scalar](repeating: 0, count: b * net.inputSize)
    let perEpoch = options.iterationsPerEpoch(trainCount: trainSet.count)
    let learningRate = Scalar(options.learningRate)
    var history = TrainingHistory()
    history.losses.reserveCapacity(options.iterations)
    for i in 0..<options.iterations {
        let t0 = monotonicSeconds()
        indices.withUnsafeMutableBufferPointer { sampler.next(into: $0) }
        indices.withUnsafeBufferPointer { i in x.withUnsafeMutableBufferPointer { trainSet.gatherFeatures(i, into: $0.baseAddress!) } }
        for r in 0..<b { labels[r] = trainSet.label(at: indices[r]) }
        let loss: Scalar
        switch options.gradient {
        case .backprop:
            loss = x.withUnsafeBufferPointer { x in labels.withUnsafeBufferPointer { t in
                workspace.step(&net, x: x.baseAddress!, labels: t, learningRate: learningRate)
            }}
        case .numerical:
            let batch = Tensor(shape: [b, net.inputSize], scalars: x)
            loss = net.loss(batch, .indices(labels))
            SGD(learningRate: learningRate).update(&net, with: net.numericalGradient(batch, .indices(labels)))
        }
        history.stepSeconds += monotonicSeconds() - t0
        guard loss.isFinite else {
            throw TrainingDiverged(iteration: i, loss: Double(loss), lastFiniteLoss: history.losses.last)
        }
        history.losses.append(Double(loss))
        observer.iterationDone(i, Double(loss))
        if Double(i).truncatingRemainder(dividingBy: perEpoch) == 0 {
            let t1 = monotonicSeconds()
            let record = EpochRecord(epoch: history.epochs.count, iteration: i,
                                     trainAccuracy: net.accuracy(on: trainSet), testAccuracy: net.accuracy(on: testSet))
            history.evaluationSeconds += monotonicSeconds() - t1
            history.epochs.append(record)
            observer.epochDone(record)
        }
    }
    return history
}

private func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
