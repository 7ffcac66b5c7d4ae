// The book's chapter-4 training loop (`train_neuralnet.py`) written out by hand with DLFS: draw a
// mini-batch, compute the gradient, update, record the loss; the accuracies once an epoch.
//
//     swift run -c release HandWrittenLoop [--iterations 10000] [--dataset fashion-mnist|mnist]
import DLFS
import Foundation

var iterations = 10_000
var datasetName = "fashion-mnist"
var arguments = CommandLine.arguments.dropFirst()
while let option = arguments.popFirst() {
    switch (option, arguments.popFirst()) {
    case ("--iterations", let value?) where Int(value).map({ $0 > 0 }) == true: iterations = Int(value)!
    case ("--dataset", let value?): datasetName = value
    default:
        print("usage: HandWrittenLoop [--iterations N] [--dataset fashion-mnist|mnist]")
        exit(64)
    }
}

do {
    let info = try DatasetInfo.named(datasetName)
    let training = try Dataset.load(info, split: .train)
    let (trainTensors, test) = (training.tensors(), try Dataset.loadTensors(info, split: .test))
    let (batchSize, learningRate) = (100, 0.1)
    let iterationsPerEpoch = max(training.count / batchSize, 1)

    var rng = SeededGenerator(seed: 42)
    var net = Sequential<Float>.twoLayerNet(inputSize: training.pixelsPerImage, hiddenSize: 50,
                                            outputSize: info.classCount, using: &rng)
    var optimizer = SGD<Float>(learningRate: learningRate)
    var trainLossList: [Float] = []
    for i in 0..<iterations {
        let batchMask = (0..<batchSize).map { _ in Int.random(in: 0..<training.count, using: &rng) }
        let batch = training.tensors(rows: batchMask)
        let (loss, gradients) = net.lossAndGradient(batch.images, batch.labels)
        optimizer.update(&net, with: gradients)
        trainLossList.append(loss)
        if i % iterationsPerEpoch == 0 {
            let trainAccuracy = net.accuracy(trainTensors.images, trainTensors.labels)
            let testAccuracy = net.accuracy(test.images, test.labels)
            print("train acc, test acc | \(trainAccuracy), \(testAccuracy)")
        }
    }
    print("loss: first \(trainLossList.first!), last \(trainLossList.last!)")
    print("test acc: \(net.accuracy(test.images, test.labels))")
} catch {
    print("error: \(error)")
    exit(1)
}
