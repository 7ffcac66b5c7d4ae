import DLFS
import Foundation
import Testing

/// The listings of Chapter8.md, run as they are written there.
@Suite("Chapter8: deep learning")
struct Chapter8Tests {
    @Test("DeepConvNet with deep_convnet_params.pkl: the book's classes, in float32 and with float16 parameters")
    func deepConvNet() throws {
        let mnistDirectory = try DocumentationData.mnist()
        let bookDirectory = try DocumentationData.book("deep_convnet_params.pkl")
        var rng = SeededGenerator(seed: 0)
        var net = Sequential<Float>.deepConvNet(using: &rng)
        try net.loadParameters(contentsOf: bookDirectory + "/deep_convnet_params.pkl")
        let test = try Dataset.load(.mnist, split: .test, dataDir: mnistDirectory)
        let batch = test.tensors(rows: 0..<100, flatten: false)
        let scores = net.predict(batch.images)
        print(scores.argmaxRows().prefix(5))   // [7, 2, 1, 0, 4]
        var half = net
        half.updateParameters { _, parameter, _ in parameter = parameter.roundedToHalfPrecision }
        let halfScores = half.predict(batch.images)
        print(halfScores.argmaxRows() == scores.argmaxRows())   // true
        #expect(Array(scores.argmaxRows().prefix(5)) == [7, 2, 1, 0, 4])
        #expect(net.accuracy(batch.images, batch.labels) >= 0.97)
        #expect(halfScores.argmaxRows() == scores.argmaxRows())
        let drift = zip(halfScores.scalars, scores.scalars).map { abs($0 - $1) }.max()!
        #expect(drift > 0 && drift < 0.05, "\(drift)")
    }
}
