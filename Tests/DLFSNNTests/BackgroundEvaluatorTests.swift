import DLFSCore
import DLFSNN
import Dispatch
import Testing

@Suite("BackgroundEvaluator: snapshots evaluated beside the steps, results in order")
struct BackgroundEvaluatorTests {
    /// 2,000 examples of 20 features whose class (of 4) is the largest of four fixed linear scores: a net
    /// learns it in a few hundred steps, so accuracies change from one evaluation to the next. More than
    /// one block of 480 rows, so an evaluation on two threads splits the work.
    static func problem() -> TensorExamples<Float> {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Float>.randomUniform([2000, 20], in: -1..<1, using: &rng)
        let w = Tensor<Float>.randomNormal([20, 4], standardDeviation: 1, using: &rng)
        return TensorExamples(features: x, labels: x.matmul(w).argmaxRows(), classCount: 4)
    }

    /// 300 SGD steps of a 20-16-4 ReLU net; every 30 steps the model goes to `submit`, and its accuracy,
    /// measured in line at that moment, into the returned list.
    static func trainSubmitting(_ examples: TensorExamples<Float>, _ submit: (Sequential<Float>) -> Void) -> [Double] {
        var rng = SeededGenerator(seed: 5)
        var net = Sequential<Float>.twoLayerNet(inputSize: 20, hiddenSize: 16, outputSize: 4, activation: .relu, using: &rng)
        var sgd = SGD<Float>(learningRate: 0.1)
        var expected: [Double] = []
        for i in 0..<300 {
            let mask = (0..<100).map { _ in rng.nextIndex(below: examples.count) }
            let (_, gradients) = ComputeThreads.withLimit(1) {
                net.lossAndGradient(examples.features.gatherRows(mask), .indices(mask.map { examples.labels[$0] }))
            }
            sgd.update(&net, with: gradients)
            if i % 30 == 0 {
                submit(net)
                expected.append(net.accuracy(on: examples))
            }
        }
        return expected
    }

    @Test("In the background: each result is the accuracy of the model as submitted, in order, whatever the steps did after")
    func snapshotsInOrder() {
        let examples = Self.problem()
        let evaluator = BackgroundEvaluator<Double>(inBackground: true)
        #expect(evaluator.runsInBackground)
        var delivered: [Double] = []
        let expected = Self.trainSubmitting(examples) { net in
            evaluator.submit(net) { $0.accuracy(on: examples) }
            delivered += evaluator.takeFinished()
        }
        delivered += evaluator.waitForAll()
        #expect(delivered == expected)
        #expect(expected.count == 10 && Set(expected).count > 5, "\(expected)")
        #expect(expected.last! > 0.75 && expected.first! < 0.3, "\(expected)")
        #expect(evaluator.takeFinished().isEmpty && evaluator.waitForAll().isEmpty)
    }

    @Test("In line, the same results, each one ready when submit returns")
    func inLine() {
        let examples = Self.problem()
        let evaluator = BackgroundEvaluator<Double>(inBackground: false)
        #expect(!evaluator.runsInBackground)
        var delivered: [Double] = []
        let expected = Self.trainSubmitting(examples) { net in
            evaluator.submit(net) { $0.accuracy(on: examples) }
            let now = evaluator.takeFinished()
            #expect(now.count == 1)
            delivered += now
        }
        #expect(delivered == expected)
        let background = BackgroundEvaluator<Double>(inBackground: true)
        _ = Self.trainSubmitting(examples) { net in background.submit(net) { $0.accuracy(on: examples) } }
        #expect(background.waitForAll() == delivered)
    }

    @Test("With one compute thread it evaluates in line; with more, in the background")
    func defaultFollowsThreads() {
        let one = ComputeThreads.withLimit(1) { BackgroundEvaluator<Int>() }
        #expect(!one.runsInBackground)
        #expect(BackgroundEvaluator<Int>().runsInBackground == (ComputeThreads.count > 1))
        one.submit(7) { $0 * 6 }
        #expect(one.takeFinished() == [42])
    }

    @Test("The evaluation runs on one compute thread, however many the caller has")
    func evaluationOnOneThread() {
        let evaluator = BackgroundEvaluator<Int>(inBackground: true)
        evaluator.submit(0) { _ in ComputeThreads.count }
        #expect(evaluator.waitForAll() == [1])
    }

    @Test("takeFinished stops at the first evaluation still running and gives nothing twice; the rest are under way and hold a core")
    func stopsAtRunning() {
        let evaluator = BackgroundEvaluator<Int>(inBackground: true)
        let gate = DispatchSemaphore(value: 0)
        evaluator.submit(1) { $0 }
        evaluator.submit(2) { value in
            gate.wait()
            return value
        }
        evaluator.submit(3) { $0 }
        var delivered: [Int] = []
        while delivered.isEmpty { delivered = evaluator.takeFinished() }
        #expect(delivered == [1])
        #expect(evaluator.takeFinished().isEmpty)
        #expect(evaluator.evaluationsUnderWay == 2)
        #expect(evaluator.threadsForSteps == ComputeThreads.count - 1)
        gate.signal()
        #expect(evaluator.waitForAll() == [2, 3])
        #expect(evaluator.takeFinished().isEmpty)
        #expect(evaluator.evaluationsUnderWay == 0)
        #expect(evaluator.threadsForSteps == ComputeThreads.count)
    }

    @Test("train records the same epochs, losses and final accuracy evaluating in the background or in line")
    func trainSameEitherWay() throws {
        let examples = Self.problem()
        func run() throws -> TrainingHistory {
            var rng = SeededGenerator(seed: 9)
            var net = Sequential<Float>.twoLayerNet(inputSize: 20, hiddenSize: 16, outputSize: 4, activation: .relu, using: &rng)
            var sgd = SGD<Float>(learningRate: 0.1)
            var options = TrainingOptions()
            options.iterations = 400
            return try train(&net, optimizer: &sgd, on: examples, test: examples, options: options, using: &rng)
        }
        let background = try run(), inLine = try ComputeThreads.withLimit(1) { try run() }
        #expect(background.epochs == inLine.epochs && background.losses == inLine.losses)
        #expect(background.epochs.map(\.epoch) == Array(0..<20) && background.epochs.map(\.iteration) == (0..<20).map { $0 * 20 })
        #expect(background.finalTestAccuracy == inLine.finalTestAccuracy && background.finalTestAccuracy > 0.8)
    }
}
