import Foundation
import Testing

extension Tag {
    /// Tests that take seconds in a debug build; `--skip Slow` leaves them out by their suite's name.
    @Tag static var slow: Self
}

/// `dlfs infer --model simple-convnet|deep-convnet --weights …`: the book's trained ConvNets on MNIST.
@Suite("ConvNet inference commands (slow)", .tags(.slow), .enabled(if: RealData.mnistTestSetPresent, "MNIST test set absent from ../shared/data/mnist"))
struct SlowConvNetCommandTests {
    @Test("infer --model simple-convnet --weights params.pkl prints the book's Accuracy:0.96 and the time in batches")
    func simpleConvNet() throws {
        let weights = try RealData.path("book/params.pkl")
        let result = try dlfs("infer", "--model", "simple-convnet", "--weights", weights, "--data-dir", RealData.mnist)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Accuracy:0.96")
        #expect(lines.dropFirst().first?.hasPrefix("mnist test, 10000 images in batches of 100: ") == true, "\(lines)")
    }

    @Test("infer --model deep-convnet --weights deep_convnet_params.pkl --json: accuracy 0.9797 and the layers")
    func deepConvNet() throws {
        let weights = try RealData.path("book/deep_convnet_params.pkl")
        let result = try dlfs("infer", "--model", "deep-convnet", "--weights", weights, "--data-dir", RealData.mnist,
                              "--json", "--batch-size", "250")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        #expect(json["accuracy"] as? Double == 0.9797 && json["count"] as? Int == 10000 && json["batchSize"] as? Int == 250)
        #expect(json["model"] as? String == "deep-convnet" && json["weights"] as? String == weights)
        let layers = json["layers"] as? [String] ?? []
        #expect(layers.first == "conv 16 1 3 3 stride 1 pad 1" && layers.count == 20)
    }
}
