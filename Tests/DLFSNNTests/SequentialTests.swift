import DLFSCore
import DLFSData
import DLFSNN
import Testing

@Suite("Sequential: names, gradients, training")
struct SequentialTests {
    /// A small net and batch (with zero inputs, as images have) for exhaustive gradient checks.
    static func smallProblem(_ activation: HiddenActivation, hidden: [Int] = [5], seed: UInt64 = 7)
        -> (Sequential<Double>, Tensor<Double>, [Int]) {
        var rng = SeededGenerator(seed: seed)
        let net = Sequential<Double>.multiLayerNet(inputSize: 12, hiddenSizes: hidden, outputSize: 4, activation: activation,
                                                   weightInit: .standardDeviation(0.5), using: &rng)
        var x = Tensor<Double>.randomUniform([6, 12], in: -1..<1, using: &rng)
        x.withUnsafeMutableBufferPointer { p in for i in stride(from: 0, to: p.count, by: 3) { p[i] = 0 } }
        return (net, x, [0, 3, 1, 2, 3, 0])
    }

    /// Σ|a − b| / Σ|b| over a parameter's elements.
    static func relativeDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.reduce(0, +) / b.scalars.map(abs).reduce(0, +)
    }

    @Test("Parameters are named as the book's MultiLayerNet: W1, b1, … in order, with their shapes")
    func names() {
        var rng = SeededGenerator(seed: 1)
        let net = Sequential<Float>.multiLayerNet(inputSize: 784, hiddenSizes: [100, 100, 50], outputSize: 10, using: &rng)
        #expect(net.parameters.names == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"])
        #expect(net.parameters.tensors.map(\.shape) == [[784, 100], [100], [100, 100], [100], [100, 50], [50], [50, 10], [10]])
        #expect(net.specs.map(\.description) == ["affine 784 100", "relu", "affine 100 100", "relu", "affine 100 50", "relu", "affine 50 10"])
        #expect(net.inputSize == 784 && net.outputSize == 10 && !net.isTwoLayerNet)
        // He: σ = √(2/784) for W1; the sample's deviation is within 2% of it.
        let w1 = net.parameters["W1"]!.scalars.map(Double.init)
        let sigma = (w1.map { $0 * $0 }.reduce(0, +) / Double(w1.count)).squareRoot()
        #expect(abs(sigma / (2.0 / 784).squareRoot() - 1) < 0.02, "σ of W1: \(sigma)")
        #expect(net.parameters["b1"]!.scalars.allSatisfy { $0 == 0 })
    }

    @Test("The incremental numerical gradient equals the book's brute-force one", arguments: HiddenActivation.allCases)
    func incrementalMatchesBruteForce(activation: HiddenActivation) {
        let (net, x, t) = Self.smallProblem(activation)
        let fast = net.incrementalNumericalGradient(x, .indices(t)), slow = net.numericalGradient(x, .indices(t))
        #expect(fast.names == slow.names)
        for ((name, f), (_, s)) in zip(fast, slow) {
            #expect(f.shape == s.shape)
            let worst = zip(f.scalars, s.scalars).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-10, "\(name): \(worst)")
        }
    }

    @Test("Backprop through the layers agrees with the numerical gradient, 1 to 3 hidden layers",
          arguments: [(HiddenActivation.sigmoid, [5]), (.relu, [5]), (.tanh, [5]), (.relu, [7, 6, 5]), (.tanh, [6, 5])])
    func backpropMatchesNumerical(activation: HiddenActivation, hidden: [Int]) {
        var (net, x, t) = Self.smallProblem(activation, hidden: hidden, seed: 11)
        let numerical = net.numericalGradient(x, .indices(t))
        let (loss, backprop) = net.lossAndGradient(x, .indices(t))
        #expect(abs(loss - net.loss(x, .indices(t))) <= 1e-15)
        #expect(backprop.names == numerical.names)
        for ((name, n), (_, b)) in zip(numerical, backprop) {
            #expect(Self.relativeDifference(n, b) <= 1e-6, "\(name): relative difference \(Self.relativeDifference(n, b))")
        }
    }

    @Test("One SGD step through the model is W − lr · ∇ for every parameter")
    func sgdStep() {
        var (net, x, t) = Self.smallProblem(.relu)
        let before = net.parameters
        let gradients = net.gradient(x, .indices(t))
        var sgd = SGD<Double>(learningRate: 0.5)
        sgd.update(&net, with: gradients)
        for ((name, after), ((_, w), (_, g))) in zip(net.parameters, zip(before, gradients)) {
            #expect(after.scalars == zip(w.scalars, g.scalars).map { $0 - 0.5 * $1 }, "\(name)")
        }
    }

    @Test("loadParameters takes names and shapes exactly, and says what does not fit")
    func loadParameters() throws {
        var (net, _, _) = Self.smallProblem(.sigmoid)
        var values = Dictionary(uniqueKeysWithValues: net.parameters.map { ($0.name, $0.tensor * 2) })
        try net.loadParameters(values)
        #expect(net.parameters["W2"]!.scalars == values["W2"]!.scalars)
        values["b2"] = .zeros([5])
        let error = try #require(#expect(throws: NetworkParameterError.self) { try net.loadParameters(values) })
        #expect(error.description.hasPrefix(
            "the weights do not fit the model (b2 is (5,), not (4,)): expected W1 (12, 5), b1 (5,), W2 (5, 4), b2 (4,); found "))
        values["b2"] = nil
        #expect(throws: NetworkParameterError.self) { try net.loadParameters(values) }
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
        var net = Sequential<Float>.twoLayerNet(inputSize: 12, hiddenSize: 5, outputSize: 4, activation: .relu, using: &rng)
        var sgd = SGD<Float>(learningRate: 1)
        var options = TrainingOptions()
        (options.iterations, options.batchSize) = (200, 6)
        let error = #expect(throws: TrainingDiverged.self) {
            try train(&net, optimizer: &sgd, on: examples, test: examples, options: options, using: &rng)
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
        var net = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, using: &rng)
        var sgd = SGD<Float>(learningRate: 0.1)
        var options = TrainingOptions()
        options.iterations = 8000
        var lines: [EpochRecord] = []
        let history = try train(&net, optimizer: &sgd, on: trainSet, test: testSet, options: options, using: &rng,
                                observer: TrainingObserver(epochDone: { lines.append($0) }))
        #expect(lines.count == 100)                  // 8000 / 100 = 80 iterations an epoch
        #expect(history.losses.count == 8000 && history.losses.last! < history.losses.first!)
        let final = try #require(history.epochs.last)
        #expect(final.testAccuracy >= 0.90, "test accuracy \(final.testAccuracy) at the last epoch line")
        // The model's own predict on a whole tensor counts the same as the evaluation in blocks.
        let whole = net.accuracy(testSet.tensors().images, .indices(testSet.labels.map(Int.init)))
        #expect(history.finalTestAccuracy == whole && whole == net.accuracy(on: testSet))
    }
}
