import DLFSCore
import Dispatch
import Foundation

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
        // A NaN prints with its payload bits (-nan(0x…)) otherwise.
        let became = loss.isNaN ? "NaN" : "\(loss)"
        return "training diverged: the loss became \(became) at iteration \(iteration) (\(last)); "
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
/// test sets. With more than one compute thread the evaluations run on a snapshot of the net on another
/// thread while the steps go on, and are reported in order as they finish. Deterministic for a seed: the
/// same batches, the same arithmetic, the same records with any thread count.
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
    let background = ComputeThreads.count > 1 ? BackgroundEvaluations() : nil
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
            if let background {
                background.submit(net, epoch: submitted, iteration: i, trainSet: trainSet, testSet: testSet)
            } else {
                deliver([evaluate(net, epoch: submitted, iteration: i, trainSet: trainSet, testSet: testSet, threads: 1)])
            }
            submitted += 1
        }
        if let background { deliver(background.finished(from: history.epochs.count)) }
    }
    if let background {
        background.waitForAll()
        deliver(background.finished(from: history.epochs.count))
    }
    return history
}

/// Accuracy on both sets after `iteration`, and the seconds it took.
private func evaluate<Scalar>(_ net: TwoLayerNet<Scalar>, epoch: Int, iteration: Int, trainSet: any ExampleSet,
                              testSet: any ExampleSet, threads: Int) -> (record: EpochRecord, seconds: Double) {
    let t0 = monotonicSeconds()
    let record = EpochRecord(epoch: epoch, iteration: iteration, trainAccuracy: net.accuracy(on: trainSet, threads: threads),
                             testAccuracy: net.accuracy(on: testSet, threads: threads))
    return (record, monotonicSeconds() - t0)
}

/// Evaluations on their own serial queue, each on a copy of the net taken when it was submitted (the
/// copy shares the weights until the next SGD step writes them).
private final class BackgroundEvaluations: Sendable {
    private let queue = DispatchQueue(label: "dlfs.evaluation")
    private let group = DispatchGroup()
    // NSLock (pthread) rather than Synchronization's Mutex, which ThreadSanitizer cannot follow on Linux.
    private nonisolated(unsafe) var results: [Int: (record: EpochRecord, seconds: Double)] = [:]
    private let lock = NSLock()

    func submit<Scalar>(_ net: TwoLayerNet<Scalar>, epoch: Int, iteration: Int, trainSet: any ExampleSet, testSet: any ExampleSet) {
        queue.async(group: group) { [self] in
            let result = evaluate(net, epoch: epoch, iteration: iteration, trainSet: trainSet, testSet: testSet, threads: 1)
            lock.withLock { results[epoch] = result }
        }
    }

    /// The finished evaluations numbered `next`, `next + 1`, … up to the first still running.
    func finished(from next: Int) -> [(record: EpochRecord, seconds: Double)] {
        lock.withLock {
            var out: [(record: EpochRecord, seconds: Double)] = []
            while let result = results.removeValue(forKey: next + out.count) { out.append(result) }
            return out
        }
    }

    func waitForAll() { group.wait() }
}

private func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
