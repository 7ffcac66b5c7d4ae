import DLFSCore
import DLFSIO
import DLFSNN
import Foundation
import Testing

/// `simpleConvNet` and `deepConvNet` as the book builds them, images from rows, model files with an input shape.
@Suite("ConvNets: the book's SimpleConvNet and DeepConvNet as Sequential")
struct ConvNetTests {
    @Test("SimpleConvNet: the book's layers, W1…b3 in its shapes, σ 0.01, rows of 784 taken as (1, 28, 28)")
    func simpleLayout() {
        var rng = SeededGenerator(seed: 1)
        let net = Sequential<Float>.simpleConvNet(using: &rng)
        #expect(net.specs.map(\.description) == ["conv 30 1 5 5 stride 1 pad 0", "relu", "max-pool 2 2 stride 2 pad 0",
                                                 "affine 4320 100", "relu", "affine 100 10"])
        #expect(net.parameters.names == ["W1", "b1", "W2", "b2", "W3", "b3"])
        #expect(net.parameters.tensors.map(\.shape) == [[30, 1, 5, 5], [30], [4320, 100], [100], [100, 10], [10]])
        #expect(net.inputShape == [1, 28, 28] && net.inputSize == 784 && net.outputSize == 10)
        let w2 = net.parameters["W2"]!.scalars.map(Double.init)
        let sigma = (w2.map { $0 * $0 }.reduce(0, +) / Double(w2.count)).squareRoot()
        #expect(abs(sigma - 0.01) < 0.0005)
    }

    @Test("DeepConvNet: six 3×3 convolutions with the book's pads, three poolings, W1…W8 in the pickle's shapes, He σ")
    func deepLayout() {
        var rng = SeededGenerator(seed: 2)
        let net = Sequential<Float>.deepConvNet(using: &rng)
        let conv = { (f: Int, c: Int, pad: Int) in "conv \(f) \(c) 3 3 stride 1 pad \(pad)" }
        let pool = "max-pool 2 2 stride 2 pad 0"
        #expect(net.specs.map(\.description) == [
            conv(16, 1, 1), "relu", conv(16, 16, 1), "relu", pool, conv(32, 16, 1), "relu", conv(32, 32, 2), "relu", pool,
            conv(64, 32, 1), "relu", conv(64, 64, 1), "relu", pool, "affine 1024 50", "relu", "dropout 0.5", "affine 50 10",
            "dropout 0.5",
        ])
        #expect(net.parameters.names == (1...8).flatMap { ["W\($0)", "b\($0)"] })
        #expect(net.parameters["W4"]!.shape == [32, 32, 3, 3] && net.parameters["W7"]!.shape == [1024, 50])
        // He with the book's fan-ins (pre_node_nums): 32·3·3 for W5, 64·4·4 for W7.
        for (name, fanIn) in [("W5", 32 * 9), ("W7", 64 * 16)] {
            let w = net.parameters[name]!.scalars.map(Double.init)
            let sigma = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
            #expect(abs(sigma / (2.0 / Double(fanIn)).squareRoot() - 1) < 0.05, "\(name): σ \(sigma)")
        }
    }

    @Test("Evaluation blocks hold about 4 million layer outputs: 480 rows of an MLP, 107 of SimpleConvNet, 41 of DeepConvNet")
    func evaluationBlocks() {
        var rng = SeededGenerator(seed: 4)
        // Outputs of one example, layer by layer: conv 30·24·24, ReLU, pool 30·12·12, 100, 100, 10.
        let simple = 17280 + 17280 + 4320 + 100 + 100 + 10
        // Conv and ReLU 16·28·28 twice, pool 16·14·14, 32·14·14 twice, 32·16·16 (pad 2) twice, pool 32·8·8,
        // 64·8·8 four times, pool 64·4·4, affine/ReLU/dropout 50, affine/dropout 10.
        let deep = 4 * 12544 + 3136 + 2 * 6272 + 2 * 8192 + 2048 + 4 * 4096 + 1024 + 3 * 50 + 2 * 10
        #expect(Sequential<Float>.simpleConvNet(using: &rng).evaluationBlockSize(featureCount: 784) == (1 << 22) / simple)
        #expect(Sequential<Float>.deepConvNet(using: &rng).evaluationBlockSize(featureCount: 784) == (1 << 22) / deep)
        #expect((1 << 22) / simple == 107 && (1 << 22) / deep == 41)
        let mlp = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, using: &rng)
        #expect(mlp.evaluationBlockSize(featureCount: 784) == 480)
    }

    @Test("A conv net trains, saves its input shape with its layers, and loads back predicting the same")
    func modelFile() throws {
        var rng = SeededGenerator(seed: 3)
        var net = Sequential<Double>.simpleConvNet(inputShape: (2, 9, 8), filters: 4, filterSize: 3, pad: 1, stride: 1,
                                                   hiddenSize: 6, outputSize: 3, weightInit: .he, using: &rng)
        let rows = Tensor<Double>.randomUniform([7, 2 * 9 * 8], in: 0..<1, using: &rng)
        let labels = [0, 2, 1, 1, 0, 2, 2]
        var sgd = SGD<Double>(learningRate: 0.1)
        for _ in 0..<3 { sgd.update(&net, with: net.gradient(rows, .indices(labels))) }
        // Rows and images are the same examples.
        #expect(net.predict(rows) == net.predict(rows.reshaped([7, 2, 9, 8])))
        let examples = TensorExamples(features: rows, labels: labels, classCount: 3)
        #expect(net.accuracy(on: examples, blockSize: 3) == net.accuracy(rows, .indices(labels)))

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlfs-conv-\(UInt64.random(in: 0...UInt64.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try net.save(to: path)
        #expect(try SafeTensors.read(path).metadata?["input_shape"] == "2 9 8")
        let loaded = try Sequential<Double>(contentsOf: path)
        #expect(loaded.specs == net.specs && loaded.inputShape == [2, 9, 8])
        #expect(loaded.predict(rows) == net.predict(rows))
    }

    @Test("A model file whose input_shape is not a list of sizes is refused, naming the file")
    func badInputShape() throws {
        var rng = SeededGenerator(seed: 4)
        let net = Sequential<Float>.simpleConvNet(inputShape: (1, 6, 6), filters: 2, filterSize: 3, hiddenSize: 3, outputSize: 2,
                                                  using: &rng)
        var arrays = NamedArrays(metadata: net.architectureMetadata.merging(["input_shape": "1 x 6"]) { $1 })
        for (name, tensor) in net.parameters { arrays.set(NamedArray(name: name, tensor: tensor)) }
        #expect(throws: WeightFileError.self) { try Sequential<Float>(arrays, file: "bad.safetensors") }
        do { _ = try Sequential<Float>(arrays, file: "bad.safetensors") } catch {
            #expect("\(error)".contains("bad.safetensors") && "\(error)".contains("input_shape '1 x 6'"))
        }
    }
}
