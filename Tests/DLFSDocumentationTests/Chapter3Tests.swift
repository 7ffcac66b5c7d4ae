import DLFS
import Foundation
import Testing

/// The listings of Chapter3.md, run as they are written there.
@Suite("Chapter3: neural networks")
struct Chapter3Tests {
    @Test("step, sigmoid, ReLU and softmax: the book's printed values")
    func activations() throws {
        let x = Tensor<Double>([-1.0, 1.0, 2.0])
        print(stepFunction(x))   // [0. 1. 1.]
        print(sigmoid(x))        // [0.26894142 0.73105858 0.88079708]
        print(relu(x))           // [0. 1. 2.]
        let y = softmax(Tensor<Double>([0.3, 2.9, 4.0]))
        print(y)                 // [0.01821127 0.24519181 0.73659691]
        #expect(stepFunction(x).scalars == [0, 1, 1] && relu(x).scalars == [0, 1, 2])
        #expect(zip(sigmoid(x).scalars, [0.2689414213699951, 0.7310585786300049, 0.8807970779778823]).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(zip(y.scalars, [0.01821127329554753, 0.24519181293507392, 0.7365969137693786]).allSatisfy { abs($0 - $1) < 1e-15 })
    }

    @Test("The first layer of the 3.4.3 example")
    func forward() throws {
        let X = Tensor<Double>(shape: [1, 2], scalars: [1.0, 0.5])
        let W1 = Tensor<Double>(shape: [2, 3], scalars: [0.1, 0.3, 0.5, 0.2, 0.4, 0.6])
        let B1 = Tensor<Double>([0.1, 0.2, 0.3])
        let A1 = X.matmul(W1) + B1
        let Z1 = sigmoid(A1)
        print(A1)   // [[0.3 0.7 1.1]]
        #expect(zip(A1.scalars, [0.3, 0.7, 1.1]).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(Z1.shape == [1, 3])
    }

    @Test("sample_weight.pkl on the MNIST test set: Accuracy:0.9352 and the first predictions")
    func mnist() throws {
        let mnistDirectory = try DocumentationData.mnist()
        let bookDirectory = try DocumentationData.book("sample_weight.pkl")
        let test = try Dataset.loadTensors(.mnist, split: .test, normalize: true, dataDir: mnistDirectory)
        let network = try Sequential<Float>.chapterThreeNet(contentsOf: bookDirectory + "/sample_weight.pkl")
        print("Accuracy:\(network.accuracy(test.images, test.labels))")   // Accuracy:0.9352
        let batch = test.images.slice(0..<100)   // x[0:100]
        print(network.predict(batch).argmaxRows().prefix(10))           // [7, 2, 1, 0, 4, 1, 4, 9, 6, 9]
        #expect(network.accuracy(test.images, test.labels) == 0.9352)
        #expect(Array(network.predict(batch).argmaxRows().prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 6, 9])
    }
}
