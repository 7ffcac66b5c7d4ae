import DLFSCore
import DLFSNN
import Testing

/// smooth_curve and the Trainer's loss after the update, which the chapter-6 experiments use.
@Suite("Chapter-6 support: smooth_curve, loss after the update")
struct ChapterSixSupportTests {
    @Test("kaiserWindow and smoothCurve give NumPy's numbers (np.kaiser(11, 2), common/util.py's smooth_curve)")
    func smoothCurveMatchesTheBook() {
        let window = kaiserWindow(11, beta: 2)
        let numpyWindow = [0.4386762798370488, 0.6113943543616491, 0.7676749968275236, 0.8921614338542881,
                           0.9723298008693713, 1.0]
        #expect(zip(window, numpyWindow).allSatisfy { abs($0 - $1) <= 1e-15 } && window == window.reversed())
        let values = [2.3, 2.1, 1.9, 2.0, 1.5, 1.2, 1.3, 0.9, 0.8, 0.85, 0.7, 0.6, 0.65]
        let book = [1.8807763930272867, 1.8693940648391378, 1.7979273711616761, 1.677606208392392, 1.5492683558604654,
                    1.3990307881361217, 1.2380681953187862, 1.0960591955291439, 0.9737259364319728, 0.8603055099601298,
                    0.7876816823032999, 0.7468512122425914, 0.7136932833106385]
        let smooth = smoothCurve(values)
        #expect(smooth.count == values.count)
        #expect(zip(smooth, book).allSatisfy { abs($0 - $1) <= 1e-14 }, "\(smooth)")
        #expect(smoothCurve([1, 2, 3]) == [1, 2, 3])
    }

    @Test("lossAfterUpdate records the batch loss of the updated model, as the book's Trainer")
    func lossAfterUpdate() throws {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>.randomUniform([8, 6], using: &rng)
        let labels = [0, 1, 2, 0, 1, 2, 0, 1]
        let examples = TensorExamples(features: x, labels: labels, classCount: 3)
        let start = Sequential<Double>.multiLayerNet(inputSize: 6, hiddenSizes: [5], outputSize: 3, using: &rng)
        var options = TrainingOptions()
        // One batch of all 8 examples: its loss is the loss over the set, whatever their order.
        (options.iterations, options.batchSize, options.sampling) = (1, 8, .shuffledEpochs)
        var before = start, after = start
        var sgd = SGD<Double>(learningRate: 0.5), sgdAfter = sgd
        var seed = SeededGenerator(seed: 1), seedAfter = seed
        let plain = try train(&before, optimizer: &sgd, on: examples, test: examples, options: options, using: &seed)
        options.lossAfterUpdate = true
        let recorded = try train(&after, optimizer: &sgdAfter, on: examples, test: examples, options: options, using: &seedAfter)
        #expect(abs(plain.losses[0] - start.loss(x, .indices(labels))) <= 1e-12)
        #expect(abs(recorded.losses[0] - after.loss(x, .indices(labels))) <= 1e-12)
        #expect(recorded.losses[0] < plain.losses[0] - 1e-3)
    }
}
