import DLFS
import Foundation
import Testing

/// The listings of Chapter7.md, run as they are written there.
@Suite("Chapter7: convolutional networks")
struct Chapter7Tests {
    @Test("Convolution and pooling shapes; SimpleConvNet with params.pkl predicts the book's classes")
    func simpleConvNet() throws {
        let mnistDirectory = try DocumentationData.mnist()
        let bookDirectory = try DocumentationData.book("params.pkl")
        var rng = SeededGenerator(seed: 0)
        var conv = Convolution<Float>(filters: 30, channels: 1, filterHeight: 5, filterWidth: 5,
                                      weightInit: .standardDeviation(0.01), using: &rng)
        let x = Tensor<Float>.randomNormal([10, 1, 28, 28], using: &rng)
        let y = conv.forward(x, isTraining: false)
        print(y.shape)   // [10, 30, 24, 24]
        var pool = Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2)
        print(pool.forward(y, isTraining: false).shape)   // [10, 30, 12, 12]
        var net = Sequential<Float>.simpleConvNet(using: &rng)
        try net.loadParameters(contentsOf: bookDirectory + "/params.pkl")
        let test = try Dataset.load(.mnist, split: .test, dataDir: mnistDirectory)
        let batch = test.tensors(rows: 0..<100, flatten: false)
        print(net.predict(batch.images).argmaxRows().prefix(5))   // [7, 2, 1, 0, 4]
        print(net.accuracy(on: test))                              // 0.96
        #expect(y.shape == [10, 30, 24, 24])
        #expect(Array(net.predict(batch.images).argmaxRows().prefix(5)) == [7, 2, 1, 0, 4])
        #expect(net.accuracy(on: test) == 0.96)
    }
}
