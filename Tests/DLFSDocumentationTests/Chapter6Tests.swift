import DLFS
import Foundation
import Testing

/// The listings of Chapter6.md, run as they are written there.
@Suite("Chapter6: training techniques")
struct Chapter6Tests {
    @Test("Adam on x²/20 + y²: the book's NumPy end point to the last digit")
    func adam() throws {
        func gradient(_ p: NamedTensors<Double>) -> NamedTensors<Double> {
            NamedTensors(names: ["x", "y"], tensors: [p["x"]! / 10, p["y"]! * 2])
        }
        var point = NamedTensors<Double>(names: ["x", "y"], tensors: [Tensor([-7.0]), Tensor([2.0])])
        var adam = Adam<Double>(learningRate: 0.3)
        for _ in 0..<30 {
            adam.update(&point, with: gradient(point))
        }
        print(point["x"]!, point["y"]!)   // [0.13600685] [0.31824538]
        #expect(point["x"]!.scalars == [0.13600685239498186] && point["y"]!.scalars == [0.31824537553721943])
    }

    @Test("Batch norm, dropout and weight decay on 300 images: 20 epochs, and the net learns")
    func extended() throws {
        try DocumentationData.requireFashionMNIST()
        let data = try Dataset.load(.fashionMNIST)
        let small = try data.split(.train).subset(0..<300)
        var rng = SeededGenerator(seed: 42)
        var net = Sequential<Float>.multiLayerNet(inputSize: 784, hiddenSizes: [100, 100, 100], outputSize: 10,
                                                  activation: .relu, weightInit: .he, batchNormalization: true,
                                                  dropout: 0.2, weightDecay: 0.1, using: &rng)
        var optimizer = Adam<Float>()
        var options = TrainingOptions()
        options.setEpochs(20, trainCount: small.count)
        let history = try train(&net, optimizer: &optimizer, on: small, test: data.split(.test), options: options, using: &rng)
        print(history.epochs.last!)
        #expect(net.specs.count == 3 * 4 + 1 && history.epochs.count == 20)
        #expect(history.epochs.last!.trainAccuracy > history.epochs.first!.trainAccuracy + 0.3, "\(history.epochs)")
        #expect(history.finalTestAccuracy > 0.5, "\(history.finalTestAccuracy)")
    }
}
