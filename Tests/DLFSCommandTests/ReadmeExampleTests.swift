import DLFS
import Foundation
import Testing

/// The README's library example, as written there but for a shorter training run and a temporary file:
/// it compiles against the public API and runs.
@Test("The README's library example compiles and runs: train, save, load back the same model")
func readmeLibraryExample() throws {
    try RealData.requireFashionMNIST()
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let path = directory.file("net.safetensors")

    var rng = SeededGenerator(seed: 42)
    let data = try Dataset.load(.fashionMNIST)
    var net = Sequential<Float>.multiLayerNet(inputSize: 784, hiddenSizes: [100, 100], outputSize: 10,
                                              activation: .relu, weightInit: .he, using: &rng)
    var optimizer = Adam<Float>(learningRate: 0.001)
    var options = TrainingOptions()
    options.setEpochs(0.5, trainCount: 60_000)
    let history = try train(&net, optimizer: &optimizer, on: try data.split(.train), test: try data.split(.test),
                            options: options, using: &rng)
    try net.save(to: path)
    let same = try Sequential<Float>(contentsOf: path)

    #expect(history.losses.count == 300 && history.finalTestAccuracy > 0.75, "\(history.finalTestAccuracy)")
    #expect(same.accuracy(on: try data.split(.test)) == history.finalTestAccuracy)
}
