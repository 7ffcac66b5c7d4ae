import DLFS
import Foundation
import Testing

/// The listings of GettingStarted.md, run as they are written there.
@Suite("GettingStarted: the getting-started listings")
struct GettingStartedTests {
    @Test("load_mnist's tensors: shapes and the first Fashion-MNIST test labels")
    func loadTensors() throws {
        try DocumentationData.requireFashionMNIST()
        let (training, test) = try Dataset.loadTensors(.fashionMNIST, normalize: true, flatten: true, oneHotLabel: false)
        print(training.images.shape, test.images.shape)   // [60000, 784] [10000, 784]
        print(test.labels.classIndices.prefix(5))          // [9, 2, 1, 1, 6]
        #expect(training.images.shape == [60000, 784] && test.images.shape == [10000, 784])
        #expect(Array(test.labels.classIndices.prefix(5)) == [9, 2, 1, 1, 6])
    }

    @Test("300 Adam steps learn Fashion-MNIST; the saved model reads back the same")
    func trainSaveLoad() throws {
        try DocumentationData.requireFashionMNIST()
        let modelPath = DocumentationData.temporaryFile("net.safetensors")
        defer { try? FileManager.default.removeItem(atPath: modelPath) }
        let data = try Dataset.load(.fashionMNIST)
        var rng = SeededGenerator(seed: 42)
        var net = Sequential<Float>.multiLayerNet(inputSize: 784, hiddenSizes: [100], outputSize: 10,
                                                  activation: .relu, weightInit: .he, using: &rng)
        var optimizer = Adam<Float>(learningRate: 0.001)
        var options = TrainingOptions()
        options.iterations = 300
        let history = try train(&net, optimizer: &optimizer, on: data.split(.train), test: data.split(.test),
                                options: options, using: &rng)
        print(history.finalTestAccuracy)   // about 0.8
        try net.save(to: modelPath)
        let same = try Sequential<Float>(contentsOf: modelPath)
        #expect(history.losses.count == 300 && history.finalTestAccuracy > 0.75, "\(history.finalTestAccuracy)")
        #expect(same.accuracy(on: try data.split(.test)) == history.finalTestAccuracy)
    }

    @Test("The chapter-3 net from sample_weight.pkl in one call: the book's accuracy 0.9352")
    func bookWeights() throws {
        let bookDirectory = try DocumentationData.book("sample_weight.pkl")
        let mnistDirectory = try DocumentationData.mnist()
        let chapterThree = try Sequential<Float>.chapterThreeNet(contentsOf: bookDirectory + "/sample_weight.pkl")
        let mnistTest = try Dataset.loadTensors(.mnist, split: .test, dataDir: mnistDirectory)
        print(chapterThree.accuracy(mnistTest.images, mnistTest.labels))   // 0.9352
        let arrays = try loadWeights(bookDirectory + "/sample_weight.pkl")
        let parameters: [String: Tensor<Float>] = try arrays.parameters(as: Float.self)
        print(parameters["W1"]!.shape)   // [784, 50]
        #expect(chapterThree.accuracy(mnistTest.images, mnistTest.labels) == 0.9352)
        #expect(parameters.keys.sorted() == ["W1", "W2", "W3", "b1", "b2", "b3"] && parameters["W1"]!.shape == [784, 50])
    }
}
