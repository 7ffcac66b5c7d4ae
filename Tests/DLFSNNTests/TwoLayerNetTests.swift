import DLFSCore
import DLFSData
import DLFSNN
import Testing

@Suite("TwoLayerNet: gradients, SGD, training")
struct TwoLayerNetTests {
    /// A small net and batch (with zero inputs, as images have) for exhaustive gradient checks.
    static func smallProblem(_ activation: Activation, seed: UInt64 = 7) -> (TwoLayerNet<Double>, Tensor<Double>, [Int]) {
        var rng = SeededGenerator(seed: seed)
        let net = TwoLayerNet<Double>(inputSize: 12, hiddenSize: 5, outputSize: 4, weightInitStd: 0.5,
                                      activation: activation, using: &rng)
        var x = Tensor<Double>.randomUniform([6, 12], in: -1..<1, using: &rng)
        x.withUnsafeMutableBufferPointer { p in for i in stride(from: 0, to: p.count, by: 3) { p[i] = 0 } }
        return (net, x, [0, 3, 1, 2, 3, 0])
    }

    /// The whole loss as a function of one parameter tensor, recomputed from scratch for every nudge.
    static func bruteForceGradient(_ net: TwoLayerNet<Double>, _ x: Tensor<Double>, _ t: [Int]) -> [Tensor<Double>] {
        func loss(_ change: (inout TwoLayerNet<Double>) -> Void) -> Double {
            var copy = net
            change(&copy)
            return copy.loss(x, .indices(t))
        }
        return [
            numericalGradient(of: { p in loss { $0.W1 = p } }, at: net.W1),
            numericalGradient(of: { p in loss { $0.b1 = p } }, at: net.b1),
            numericalGradient(of: { p in loss { $0.W2 = p } }, at: net.W2),
            numericalGradient(of: { p in loss { $0.b2 = p } }, at: net.b2),
        ]
    }

    @Test("The incremental numerical gradient equals the book's brute-force one", arguments: [Activation.sigmoid, .relu])
    func numericalGradientMatchesBruteForce(activation: Activation) {
        let (net, x, t) = Self.smallProblem(activation)
        let fast = net.numericalGradient(x, .indices(t)).named.map(\.gradient)
        let slow = Self.bruteForceGradient(net, x, t)
        for (name, (f, s)) in zip(["W1", "b1", "W2", "b2"], zip(fast, slow)) {
            #expect(f.shape == s.shape)
            let worst = zip(f.scalars, s.scalars).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-10, "\(name): \(worst)")
        }
    }

    @Test("Backprop agrees with the numerical gradient; the fused workspace with the layers",
          arguments: [Activation.sigmoid, .relu])
    func backpropMatchesNumerical(activation: Activation) {
        let (net, x, t) = Self.smallProblem(activation, seed: 11)
        let numerical = net.numericalGradient(x, .indices(t))
        let backprop = net.gradient(x, .indices(t))
        for ((name, n), (_, b)) in zip(numerical.named, backprop.named) {
            let difference = zip(n.scalars, b.scalars).map { abs($0 - $1) }.reduce(0, +)
            let size = b.scalars.map(abs).reduce(0, +)
            #expect(difference / size <= 1e-6, "\(name): relative difference \(difference / size)")
        }
        var workspace = TrainingWorkspace(for: net, batchSize: 8)
        let loss = x.withUnsafeBufferPointer { x in t.withUnsafeBufferPointer { workspace.computeGradients(net, x: x.baseAddress!, labels: $0) } }
        #expect(abs(loss - net.loss(x, .indices(t))) <= 1e-14)
        for ((name, fused), (_, layered)) in zip(workspace.gradients.named, backprop.named) {
            let worst = zip(fused.scalars, layered.scalars).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-15, "\(name): \(worst)")
        }
        // One SGD step: the workspace's update is W − lr · ∇.
        var stepped = net, manual = net
        _ = x.withUnsafeBufferPointer { x in t.withUnsafeBufferPointer { workspace.step(&stepped, x: x.baseAddress!, labels: $0, learningRate: 0.5) } }
        SGD(learningRate: 0.5).update(&manual, with: backprop)
        for (a, b) in zip([stepped.W1, stepped.b1, stepped.W2, stepped.b2], [manual.W1, manual.b1, manual.W2, manual.b2]) {
            #expect(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-15 })
        }
    }

    @Test("Batches with replacement and shuffled epochs")
    func sampling() {
        var shuffled = BatchSampler(count: 10, batchSize: 5, sampling: .shuffledEpochs, rng: SeededGenerator(seed: 3))
        var seen: [Int] = []
        var batch = [Int](repeating: 0, count: 5)
        for _ in 0..<2 { batch.withUnsafeMutableBufferPointer { shuffled.next(into: $0) }; seen += batch }
        #expect(seen.sorted() == Array(0..<10))   // one epoch: each example once
        var again = BatchSampler(count: 10, batchSize: 5, sampling: .shuffledEpochs, rng: SeededGenerator(seed: 3))
        batch.withUnsafeMutableBufferPointer { again.next(into: $0) }
        #expect(batch == Array(seen.prefix(5)))     // same seed, same order
        var drawn = BatchSampler(count: 3, batchSize: 300, sampling: .withReplacement, rng: SeededGenerator(seed: 3))
        var many = [Int](repeating: -1, count: 300)
        many.withUnsafeMutableBufferPointer { drawn.next(into: $0) }
        #expect(Set(many) == [0, 1, 2])
    }

    /// The book's cross-entropy adds 1e-7 inside the log, so a merely bad learning rate saturates the loss
    /// near −log(1e-7) ≈ 16.1 (NumPy and DLFS alike at lr 100); NaN comes from overflow, as here.
    @Test("A loss that turns NaN stops training with the iteration and the last finite loss")
    func divergence() throws {
        var rng = SeededGenerator(seed: 1)
        let (_, x, t) = Self.smallProblem(.relu)
        let examples = TensorExamples(features: x.converted(to: Float.self) * 1e37, labels: t, classCount: 4)
        var net = TwoLayerNet<Float>(inputSize: 12, hiddenSize: 5, outputSize: 4, activation: .relu, using: &rng)
        var options = TrainingOptions()
        (options.iterations, options.batchSize, options.learningRate) = (200, 6, 1)
        let error = #expect(throws: TrainingDiverged.self) {
            try train(&net, on: examples, test: examples, options: options, using: &rng)
        }
        let diverged = try #require(error)
        #expect(diverged.iteration >= 1 && !diverged.loss.isFinite)
        #expect(diverged.lastFiniteLoss?.isFinite == true)
        let became = diverged.loss.isNaN ? "NaN" : "\(diverged.loss)"
        #expect(diverged.description.hasPrefix("training diverged: the loss became \(became) at iteration \(diverged.iteration)"))
        #expect(!diverged.description.contains("nan("))
    }

    @Test("Trained on the first 8,000 MNIST test images, the net scores at least 0.90 on the last 2,000")
    func learnsMNIST() throws {
        let set = try RealData.mnistTest()
        let split = 8000 * set.pixelsPerImage
        let trainSet = try ImageSet(pixels: Array(set.pixels[..<split]), labels: Array(set.labels[..<8000]),
                                 rows: set.rows, columns: set.columns, classCount: 10)
        let testSet = try ImageSet(pixels: Array(set.pixels[split...]), labels: Array(set.labels[8000...]),
                                rows: set.rows, columns: set.columns, classCount: 10)
        var rng = SeededGenerator(seed: 42)
        var net = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10, using: &rng)
        var options = TrainingOptions()
        options.iterations = 8000
        var lines: [EpochRecord] = []
        let history = try train(&net, on: trainSet, test: testSet, options: options, using: &rng,
                                observer: TrainingObserver(epochDone: { lines.append($0) }))
        #expect(lines.count == 100)                  // 8000 / 100 = 80 iterations an epoch
        #expect(history.losses.count == 8000 && history.losses.last! < history.losses.first!)
        let final = try #require(history.epochs.last)
        #expect(final.testAccuracy >= 0.90, "test accuracy \(final.testAccuracy)")
        #expect(final.testAccuracy == net.accuracy(testSet.tensors().images, .indices(testSet.labels.map(Int.init))))
    }
}
