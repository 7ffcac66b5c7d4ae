import DLFS
import Foundation
import Testing

/// The listings of Chapter5.md, run as they are written there.
@Suite("Chapter5: backpropagation")
struct Chapter5Tests {
    @Test("A net of layers; backprop and numerical gradients agree on three MNIST images")
    func gradientCheck() throws {
        let mnistDirectory = try DocumentationData.mnist()
        var rng = SeededGenerator(seed: 42)
        var net = Sequential<Double>(
            Affine<Double>(784, 10, weightInit: .standardDeviation(0.01), using: &rng), ReLU<Double>(),
            Affine<Double>(10, 10, weightInit: .standardDeviation(0.01), using: &rng))
        print(net.parameters.names)   // ["W1", "b1", "W2", "b2"]
        let mnist = try Dataset.load(.mnist, split: .test, dataDir: mnistDirectory)
        let batch = mnist.tensors(rows: 0..<3)
        let (x, t) = (batch.images.converted(to: Double.self), batch.labels.converted(to: Double.self))
        let backprop = net.gradient(x, t)
        let numerical = net.numericalGradient(x, t)
        for comparison in GradientComparison.compare(numerical, backprop) {
            print("\(comparison.name):\(comparison.meanAbsoluteDifference)")   // W1:2.6e-13 …
        }
        #expect(net.parameters.names == ["W1", "b1", "W2", "b2"])
        let comparisons = GradientComparison.compare(numerical, backprop)
        #expect(comparisons.map(\.name) == ["W1", "b1", "W2", "b2"])
        #expect(comparisons.allSatisfy { $0.meanAbsoluteDifference < 1e-8 && $0.relativeDifference < 1e-6 }, "\(comparisons)")
    }

    @Test("600 backprop steps of the ReLU net: one epoch line at the start, then a test accuracy above 0.75")
    func training() throws {
        try DocumentationData.requireFashionMNIST()
        var rng = SeededGenerator(seed: 7)
        let data = try Dataset.load(.fashionMNIST)
        var reluNet = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10,
                                                    activation: .relu, using: &rng)
        var optimizer = SGD<Float>(learningRate: 0.1)
        var options = TrainingOptions()
        options.iterations = 600
        options.evaluationSampleCount = 1000
        let history = try train(&reluNet, optimizer: &optimizer, on: data.split(.train), test: data.split(.test),
                                options: options, using: &rng)
        for record in history.epochs {
            print("train acc, test acc | \(record.trainAccuracy), \(record.testAccuracy)")
        }
        #expect(history.epochs.count == 1 && history.epochs[0].testAccuracy < 0.3)
        #expect(history.finalTestAccuracy > 0.75, "\(history.finalTestAccuracy)")
    }

    @Test("A loop of one's own with its evaluations in the background: three lines, in order")
    func backgroundEvaluation() throws {
        try DocumentationData.requireFashionMNIST()
        var rng = SeededGenerator(seed: 7)
        let data = try Dataset.load(.fashionMNIST)
        let (trainSet, testSet) = (try data.split(.train), try data.split(.test))
        var net = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10,
                                                activation: .relu, using: &rng)
        var sgd = SGD<Float>(learningRate: 0.1)
        let evaluator = BackgroundEvaluator<(train: Double, test: Double)>()
        var accuracies: [(train: Double, test: Double)] = []
        for i in 0..<600 {
            let batchMask = (0..<100).map { _ in Int.random(in: 0..<trainSet.count, using: &rng) }
            let batch = trainSet.tensors(rows: batchMask)
            ComputeThreads.withLimit(evaluator.threadsForSteps) {
                let (_, gradients) = net.lossAndGradient(batch.images, batch.labels)
                sgd.update(&net, with: gradients)
            }
            if i % 200 == 0 {
                evaluator.submit(net) { net in
                    (net.accuracy(on: trainSet, sampleCount: 1000), net.accuracy(on: testSet, sampleCount: 1000))
                }
            }
            accuracies += evaluator.takeFinished()
        }
        accuracies += evaluator.waitForAll()
        for (train, test) in accuracies {
            print("train acc, test acc | \(train), \(test)")
        }
        // In order: after the first step the net guesses, by iteration 400 it has learnt.
        #expect(accuracies.count == 3, "\(accuracies)")
        #expect(accuracies[0].test < 0.3 && accuracies[2].test > 0.7 && accuracies[2].train > 0.7, "\(accuracies)")
    }
}
