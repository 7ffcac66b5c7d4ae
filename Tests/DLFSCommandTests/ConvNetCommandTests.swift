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

/// `dlfs train --model simple-convnet|deep-convnet`: the book's train_convnet.py and train_deepnet.py defaults,
/// on a few steps of Fashion-MNIST.
@Suite("ConvNet training commands")
struct ConvNetTrainingCommandTests {
    /// The same training with 1 and 2 threads: the JSON reports, which must agree in every figure but time.
    static func trainTwice(_ arguments: String...) throws -> (one: [String: Any], two: [String: Any]) {
        try RealData.requireFashionMNIST()
        let base = ["train", "--dataset", "fashion-mnist", "--json"] + arguments
        let one = try dlfs(base + ["--threads", "1"]), two = try dlfs(base + ["--threads", "2"])
        #expect(one.status == 0 && two.status == 0, "\(one.stderr) \(two.stderr)")
        return (try jsonObject(one.stdout), try jsonObject(two.stdout))
    }

    /// The figures of a report that must not depend on the thread count.
    static func learned(_ report: [String: Any]) -> String {
        let epochs = (report["epochs"] as? [[String: Any]] ?? []).map { "\($0["trainAccuracy"] ?? "-") \($0["testAccuracy"] ?? "-")" }
        let loss = report["loss"] as? [String: Double] ?? [:]
        return "\(epochs) \(loss.sorted { $0.key < $1.key }) \(report["finalTestAccuracy"] ?? "-")"
    }

    @Test("simple-convnet: Adam lr 0.001 by default, the loss falls, per-epoch accuracy on 1,000 images, the same with 1 and 2 threads")
    func simpleConvNet() throws {
        let (one, two) = try Self.trainTwice("--model", "simple-convnet", "--iters", "40", "--batch-size", "50")
        #expect(one["optimizer"] as? String == "adam" && one["learningRate"] as? Double == 0.001)
        #expect(one["hidden"] as? [Int] == [100] && one["weightInit"] as? String == "std:0.01")
        #expect((one["layers"] as? [String]) == ["conv 30 1 5 5 stride 1 pad 0", "relu", "max-pool 2 2 stride 2 pad 0",
                                                 "affine 4320 100", "relu", "affine 100 10"])
        let loss = try #require(one["loss"] as? [String: Double])
        #expect(abs(loss["first"]! - 2.3026) < 0.001 && loss["last"]! < 1.6, "40 Adam steps: \(loss)")
        let epoch = try #require((one["epochs"] as? [[String: Any]])?.first)
        let trainAccuracy = try #require(epoch["trainAccuracy"] as? Double)
        #expect(abs(trainAccuracy * 1000 - (trainAccuracy * 1000).rounded()) < 1e-9, "scored on 1,000 images: \(trainAccuracy)")
        #expect(Self.learned(one) == Self.learned(two))
    }

    @Test("deep-convnet: the book's 20 layers, He weights, dropout drawn the same with 1 and 2 threads")
    func deepConvNet() throws {
        let (one, two) = try Self.trainTwice("--model", "deep-convnet", "--iters", "4", "--batch-size", "20",
                                             "--evaluation-samples", "100")
        #expect((one["layers"] as? [String])?.count == 20 && one["weightInit"] as? String == "he" && one["hidden"] as? [Int] == [50])
        #expect(Self.learned(one) == Self.learned(two))
    }

    @Test("train --model simple-convnet --save, then infer --model FILE gives the final test accuracy back")
    func saveAndInfer() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let model = directory.file("convnet.safetensors")
        let trained = try dlfs("train", "--dataset", "fashion-mnist", "--model", "simple-convnet", "--iters", "30",
                               "--hidden", "20", "--save", model, "--json")
        #expect(trained.status == 0, "\(trained.stderr)")
        let final = try #require(try jsonObject(trained.stdout)["finalTestAccuracy"] as? Double)
        #expect(final > 0.3, "30 Adam steps reach \(final)")
        let inferred = try dlfs("infer", "--model", model, "--json")
        #expect(inferred.status == 0, "\(inferred.stderr)")
        let report = try jsonObject(inferred.stdout)
        #expect(report["accuracy"] as? Double == final && (report["layers"] as? [String])?[3] == "affine 4320 20")
    }

    @Test("Options of the affine net are refused for a ConvNet, with a usage error naming them")
    func mlpOptionsRefused() throws {
        let cases: [([String], String)] = [
            (["--model", "deep-convnet", "--activation", "relu"], "--activation is an option of --model mlp; deep-convnet is the book's net as it stands"),
            (["--model", "simple-convnet", "--batch-norm"], "--batch-norm is an option of --model mlp; simple-convnet is the book's net as it stands"),
            (["--model", "deep-convnet", "--init", "xavier"], "--init is an option of --model mlp; deep-convnet is the book's net as it stands"),
            (["--model", "simple-convnet", "--hidden", "100,50"], "--hidden '100,50': simple-convnet has one hidden affine layer; give one size"),
            (["--model", "simple-convnet", "--gradient", "numerical"], "--gradient numerical is for --model mlp (a ConvNet would take days)"),
            (["--model", "lenet"], "The value 'lenet' is invalid for '--model <model>'. Please provide one of 'mlp', 'simple-convnet' or 'deep-convnet'."),
        ]
        for (arguments, message) in cases { expectUsageError(try dlfs(["train"] + arguments), message) }
    }
}

/// `dlfs gradcheck --model simple-convnet`: the book's ch07/gradient_check.py.
@Suite("ConvNet gradient check command")
struct ConvNetGradCheckCommandTests {
    @Test("gradcheck --model simple-convnet: the book's lines W1 … b3, kinks counted and left out, every relative difference ≤ 1e-6")
    func simpleConvNet() throws {
        let text = try dlfs("gradcheck", "--model", "simple-convnet")
        #expect(text.status == 0, "\(text.stderr)")
        let names = text.stdout.split(separator: "\n").dropLast().map { $0.split(separator: " ").first.map(String.init) }
        #expect(names == ["W1", "b1", "W2", "b2", "W3", "b3"], "\(text.stdout)")
        let result = try dlfs("gradcheck", "--model", "simple-convnet", "--seed", "42", "--json")
        let report = try jsonObject(result.stdout)
        #expect(report["passed"] as? Bool == true && report["model"] as? String == "simple-convnet")
        let rows = try #require(report["parameters"] as? [[String: Any]])
        for row in rows {
            let relative = try #require(row["relativeDifference"] as? Double)
            let kinks = try #require(row["kinks"] as? Int)
            #expect(relative <= 1e-6 && kinks < 20, "\(row)")
        }
        // W1's 90 elements hold kinks at this seed (σ 0.01 puts ReLU inputs within 1e-4 of 0); the book's
        // mean absolute difference still counts them.
        #expect((rows.first?["kinks"] as? Int ?? 0) > 0)
    }

    @Test("gradcheck --model deep-convnet is refused: its numerical gradient would take hours")
    func deepConvNetRefused() throws {
        expectUsageError(try dlfs("gradcheck", "--model", "deep-convnet"),
                         "--model deep-convnet: the numerical gradient of its 120,000 parameters takes hours; the book checks simple-convnet")
    }
}
