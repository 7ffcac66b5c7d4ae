import DLFSCore
import DLFSData
import DLFSIO
import DLFSNN
import Testing

extension Tag {
    /// Tests that take seconds in a debug build (whole test sets through a deep net); `--skip Slow` leaves
    /// them out by their suite's name.
    @Tag static var slow: Self
}

/// The book's trained ConvNets (ch07 `params.pkl`, ch08 `deep_convnet_params.pkl`) on the MNIST test set:
/// the accuracies and probabilities the book's `SimpleConvNet` and `DeepConvNet` give in NumPy on the same
/// files (float32 images x/255, float64 parameters).
@Suite("ConvNets with the book's weights on MNIST (slow)", .tags(.slow))
struct SlowConvNetRealDataTests {
    static func expectProbabilities(_ net: Sequential<Float>, _ set: ImageSet, _ expected: [Double],
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let images = set.tensors(rows: 0..<5, flatten: false).images
        #expect(images.shape == [5, 1, 28, 28], sourceLocation: sourceLocation)
        let probabilities = softmax(net.predict(images))
        let worst = zip(probabilities.scalars, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(probabilities.count == expected.count && worst <= 1e-5, "off by \(worst)", sourceLocation: sourceLocation)
    }

    @Test("SimpleConvNet with params.pkl: the book's accuracy 0.96 over all 10,000 images, its probabilities")
    func simpleConvNet() throws {
        let set = try RealData.mnistTest()
        var rng = SeededGenerator(seed: 0)
        var net = Sequential<Float>.simpleConvNet(using: &rng)
        try net.loadParameters(try RealData.bookWeights("params.pkl"))
        #expect(net.specs.map(\.description) == ["conv 30 1 5 5 stride 1 pad 0", "relu", "max-pool 2 2 stride 2 pad 0",
                                                 "affine 4320 100", "relu", "affine 100 10"])
        // Rows of 784 values go in as (N, 1, 28, 28).
        #expect(net.accuracy(on: set, blockSize: 100) == 0.96)
        Self.expectProbabilities(net, set, Self.simpleProbabilities)
    }

    @Test("DeepConvNet with deep_convnet_params.pkl: the book's accuracy 0.9797 over all 10,000 images, its probabilities")
    func deepConvNet() throws {
        let set = try RealData.mnistTest()
        var rng = SeededGenerator(seed: 0)
        var net = Sequential<Float>.deepConvNet(using: &rng)
        try net.loadParameters(try RealData.bookWeights("deep_convnet_params.pkl"))
        #expect(net.parameters.names == (1...8).flatMap { ["W\($0)", "b\($0)"] })
        #expect(net.accuracy(on: set, blockSize: 100) == 0.9797)
        // The last dropout scales the scores by 1 − 0.5 in inference, as the book's; softmax sees that too.
        Self.expectProbabilities(net, set, Self.deepProbabilities)
    }

    /// softmax(predict(x[:5])) of the book's classes in NumPy float64.
    static let simpleProbabilities: [Double] = [
        7.504592332284805e-05, 1.5737740951830965e-08, 0.0003173892051083141, 0.0010464995561986989,
        1.9562665232508086e-08, 9.52766679694846e-06, 6.567630261128448e-11, 0.9981223824438676,
        1.2504231189049015e-05, 0.00041661560743408356, 0.00017501047773881844, 7.843307340743952e-05,
        0.9987515106242568, 0.0009589442686067161, 2.7705292129299616e-11, 2.3005464484858488e-05,
        3.811169480083154e-06, 2.571211201260708e-10, 9.284598114133084e-06, 3.9084617189342966e-11,
        5.244971071492782e-05, 0.9964700781620586, 0.0005843602804216256, 0.0004614937167662179,
        0.00012324252854091413, 8.021891758507831e-05, 0.0005973719823054768, 0.0003423071649514702,
        0.00121672122291003, 7.175631374554602e-05, 0.9999232604050352, 1.1546433122753689e-11,
        6.540332230425072e-05, 5.587724738831235e-07, 4.9576431900297605e-09, 2.4102244758349155e-06,
        3.7298638294719837e-06, 1.4887982531927599e-06, 3.5123264579576264e-07, 2.7924117925828016e-06,
        1.191498061556944e-05, 4.702566213159051e-08, 0.00017073691259487348, 1.2226607807426554e-06,
        0.9967388350482683, 1.5309351206664833e-05, 6.0652534503210526e-05, 5.145415616993115e-05,
        9.651639318501307e-05, 0.002853310937013534
    ]
    static let deepProbabilities: [Double] = [
        1.394226590753535e-06, 2.2878682850848572e-05, 5.53326832672587e-05, 5.657162612556181e-06,
        1.799027574239873e-05, 4.305996794723903e-07, 1.3343628352404018e-06, 0.9998264936033541,
        1.6180915197923994e-05, 5.230748786962452e-05, 0.0007242093122222628, 0.0014969778505397578,
        0.9928488000593841, 0.0025859699993443608, 0.0005155433999048413, 4.1887462568578284e-05,
        0.00021409355221960346, 0.0011931613107467097, 0.00035331272787451104, 2.60443251950612e-05,
        5.1066952104012725e-05, 0.9968275430010035, 2.9413288877310288e-05, 0.000329131130614481,
        0.00032052378252112116, 0.000606593922839824, 0.0005161580868415921, 0.0002824136007839078,
        0.0008337471002893867, 0.0002034091341246876, 0.9985892815575229, 3.562629238474734e-06,
        8.898686180407139e-05, 2.1577523072021915e-05, 8.707216224551457e-05, 0.00010528476077445215,
        5.4371356163323414e-05, 8.389173801792912e-05, 6.711979720628058e-05, 0.000898851613955047,
        2.5929641529058217e-06, 6.253830862705894e-05, 9.225169028454818e-06, 1.1703303606522978e-06,
        0.9988345816085433, 2.5554026476980073e-06, 1.0632842118449468e-05, 7.468095176176999e-05,
        2.9016782732060595e-05, 0.0009730056400274988
    ]
}
