import DLFS
import Foundation
import Testing

/// The listings of Chapter4.md, run as they are written there.
@Suite("Chapter4: training")
struct Chapter4Tests {
    @Test("Sum of squares and cross-entropy: the book's values")
    func losses() throws {
        let t = Tensor<Double>([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        let y = Tensor<Double>([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
        print(sumSquaresError(y, t))     // 0.09750000000000003
        print(crossEntropyError(y, t))   // 0.510825457099338
        #expect(sumSquaresError(y, t) == 0.09750000000000003)
        #expect(crossEntropyError(y, t) == 0.510825457099338)
    }

    @Test("Numerical derivative, gradient and descent: the book's values")
    func gradients() throws {
        func function1(_ x: Double) -> Double { 0.01 * (x * x) + 0.1 * x }   // 0.01*x**2 + 0.1*x
        print(numericalDiff(function1, at: 5))    // 0.1999999999990898
        print(numericalDiff(function1, at: 10))   // 0.2999999999986347
        func function2(_ x: Tensor<Double>) -> Double { x[0] * x[0] + x[1] * x[1] }
        print(numericalGradient(of: function2, at: Tensor([3.0, 4.0])))   // [6. 8.]
        let descent = gradientDescent(of: function2, from: Tensor([-3.0, 4.0]), learningRate: 0.1, stepCount: 100)
        print(descent.x)   // [-6.11110793e-10  8.14814391e-10]
        #expect(numericalDiff(function1, at: 5) == 0.1999999999990898 && numericalDiff(function1, at: 10) == 0.2999999999986347)
        #expect(zip(numericalGradient(of: function2, at: Tensor([3.0, 4.0])).scalars, [6.0, 8.0]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(descent.x.scalars == [-6.111107928998789e-10, 8.148143905314271e-10])
    }

    @Test("The hand-written loop learns: the loss falls and the test accuracy rises far above chance")
    func loop() throws {
        try DocumentationData.requireFashionMNIST()
        let training = try Dataset.load(.fashionMNIST, split: .train)
        let test = try Dataset.loadTensors(.fashionMNIST, split: .test)
        var rng = SeededGenerator(seed: 42)
        var net = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, using: &rng)
        var optimizer = SGD<Float>(learningRate: 0.1)
        let (iterations, batchSize) = (300, 100)
        var trainLossList: [Float] = []
        for _ in 0..<iterations {
            let batchMask = (0..<batchSize).map { _ in Int.random(in: 0..<training.count, using: &rng) }
            let batch = training.tensors(rows: batchMask)
            let (loss, gradients) = net.lossAndGradient(batch.images, batch.labels)
            optimizer.update(&net, with: gradients)
            trainLossList.append(loss)
        }
        print(trainLossList.first!, trainLossList.last!)   // from 2.30 down
        print(net.accuracy(test.images, test.labels))
        let firstLosses = trainLossList.prefix(20).reduce(0, +) / 20, lastLosses = trainLossList.suffix(20).reduce(0, +) / 20
        #expect(abs(trainLossList.first! - 2.3026) < 0.01 && lastLosses < firstLosses - 0.5, "\(firstLosses) → \(lastLosses)")
        #expect(net.accuracy(test.images, test.labels) > 0.5)
    }
}
