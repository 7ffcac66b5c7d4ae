// A network the book does not have, assembled from DLFS layers: a small convolution stage (8 filters of
// 3×3, ReLU, 2×2 max pooling) then batch-normalised affine layers with dropout, trained by Adam with the
// library's training loop, saved, and read back.
//
//     swift run -c release CustomNetwork [--epochs 1] [--train-count 60000] [--save net.safetensors]
import DLFS
import Foundation

var epochs = 1.0
var trainCount: Int?
var savePath: String?
var arguments = CommandLine.arguments.dropFirst()
while let option = arguments.popFirst() {
    switch (option, arguments.popFirst()) {
    case ("--epochs", let value?) where Double(value).map({ $0 > 0 }) == true: epochs = Double(value)!
    case ("--train-count", let value?) where Int(value).map({ $0 > 0 }) == true: trainCount = Int(value)!
    case ("--save", let value?): savePath = value
    default:
        print("usage: CustomNetwork [--epochs E] [--train-count N] [--save FILE]")
        exit(64)
    }
}

do {
    let data = try Dataset.load(.fashionMNIST)
    let allTraining = try data.split(.train)
    let training = trainCount.map { allTraining.subset(0..<min($0, allTraining.count)) } ?? allTraining
    let test = try data.split(.test)

    var rng = SeededGenerator(seed: 1)
    let conv = Convolution<Float>(filters: 8, channels: 1, filterHeight: 3, filterWidth: 3, pad: 1,
                                  weightInit: .he, using: &rng)
    let pool = Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2)
    let flattened = 8 * pool.geometry(channels: 8, height: 28, width: 28).positions
    let layers: [any Layer<Float>] = [
        conv, ReLU<Float>(), pool,
        Affine<Float>(flattened, 64, weightInit: .he, using: &rng), BatchNormalization<Float>(features: 64),
        ReLU<Float>(), Dropout<Float>(ratio: 0.1, using: &rng),
        Affine<Float>(64, 10, weightInit: .he, using: &rng),
    ]
    var net = Sequential<Float>(layers, inputShape: [1, 28, 28])
    print(net.specs.map(\.description).joined(separator: " → "))

    var optimizer = Adam<Float>(learningRate: 0.001)
    var options = TrainingOptions()
    options.setEpochs(epochs, trainCount: training.count)
    options.evaluationSampleCount = 1000
    let history = try train(&net, optimizer: &optimizer, on: training, test: test, options: options, using: &rng,
                            observer: TrainingObserver(epochDone: { record in
                                print("epoch \(record.epoch): train acc \(record.trainAccuracy), test acc \(record.testAccuracy)")
                            }))
    print("test acc: \(history.finalTestAccuracy)")
    if let savePath {
        try net.save(to: savePath, metadata: ["dataset": "fashion-mnist"])
        let reloaded = try Sequential<Float>(contentsOf: savePath)
        print("saved to \(savePath); read back, test acc: \(reloaded.accuracy(on: test))")
    }
} catch {
    print("error: \(error)")
    exit(1)
}
