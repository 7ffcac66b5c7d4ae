import DLFSIO
import Foundation
import Testing

/// `dlfs infer`, `dlfs train`, `dlfs gradcheck` on the real data.
@Suite("Model commands")
struct ModelCommandTests {
    @Test("infer prints the book's accuracy, before and after converting to safetensors")
    func inferSampleWeights() throws {
        let weights = try RealData.path("book/sample_weight.pkl")
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let converted = directory.file("sample_weight.safetensors")
        #expect(try dlfs("convert", weights, converted).status == 0)
        for file in [weights, converted] {
            let result = try dlfs("infer", "--weights", file, "--data-dir", RealData.mnist)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "Accuracy:0.9352")
            #expect(lines.dropFirst().first == "first predictions: 7 2 1 0 4 1 4 9 6 9 (labels 7 2 1 0 4 1 4 9 5 9)")
            #expect(lines.contains { $0.hasPrefix("one image at a time: 10000 images in ") })
            #expect(lines.contains { $0.hasPrefix("batches of 100:") })
        }
        let json = try jsonObject(try dlfs("infer", "--weights", converted, "--data-dir", RealData.mnist, "--json", "--batch-size", "50").stdout)
        #expect(json["correctCount"] as? Int == 9352 && json["singleCorrectCount"] as? Int == 9352)
        #expect(json["batchSize"] as? Int == 50)
        #expect((json["batchSeconds"] as? Double ?? 0) > 0 && (json["singleSeconds"] as? Double ?? 0) > 0)
        // Found by run() once the data is loaded: bad input (status 1), not a usage error.
        expectOneErrorLine(try dlfs("infer", "--weights", weights, "--data-dir", RealData.mnist, "--batch-size", "10001"),
                           "--batch-size 10001 is larger than the 10000 images of mnist test")
    }

    @Test("infer refuses weights that do not fit, listing what it expected and found")
    func inferMismatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let file = directory.file("wrong.safetensors")
        var arrays = NamedArrays()
        for (name, shape) in [("W1", [784, 50]), ("b1", [50]), ("W2", [50, 100]), ("b2", [100]), ("W3", [100, 10])] {
            arrays.set(try NamedArray(name: name, dtype: .float32, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(4, *))))
        }
        try SafeTensors.write(arrays, to: file)
        _ = try RealData.path("mnist")
        let result = try dlfs("infer", "--weights", file, "--data-dir", RealData.mnist)
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: \(file): the weights do not fit the chapter-3 network (b3 is missing): "
            + "expected W1 (784, h1), b1 (h1,), W2 (h1, h2), b2 (h2,), W3 (h2, 10), b3 (10,); "
            + "found W1 (784, 50), W2 (50, 100), W3 (100, 10), b1 (50,), b2 (100,)"])
        let badBatch = try dlfs("infer", "--weights", file, "--data-dir", RealData.mnist, "--batch-size", "0")
        expectUsageError(badBatch, "--batch-size must be at least 1, not 0")
    }

    @Test("gradcheck: every relative difference within 1e-6 in Double")
    func gradcheck() throws {
        _ = try RealData.path("mnist")
        let result = try dlfs("gradcheck", "--data-dir", RealData.mnist, "--split", "test", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        let rows = try #require(json["parameters"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["W1", "b1", "W2", "b2"])
        for row in rows { #expect((row["relativeDifference"] as? Double ?? 1) <= 1e-6, "\(row)") }
        let text = try dlfs("gradcheck", "--data-dir", RealData.mnist, "--split", "test", "--activation", "sigmoid")
        #expect(text.stdout.split(separator: "\n").prefix(4).map { $0.split(separator: ":").first.map(String.init) } == ["W1", "b1", "W2", "b2"])
        expectOneErrorLine(try dlfs("gradcheck", "--data-dir", RealData.mnist, "--split", "test", "--batch-size", "10001"),
                           "--batch-size 10001 is larger than the 10000 images of mnist test")
        // A failed check prints its figures, then one error line, status 1.
        let failed = try dlfs("gradcheck", "--data-dir", RealData.mnist, "--split", "test", "--batch-size", "1", "--hidden", "2",
                              "--tolerance", "0")
        #expect(failed.status == 1 && !failed.signaled)
        #expect(failed.stdout.hasPrefix("W1:"))
        #expect(failed.stderr.hasPrefix("error: gradient check failed: ") && failed.stderr.hasSuffix(" (tolerance 0.0)\n"), "\(failed.stderr)")
        #expect(failed.errorLines.count == 1 && failed.stderr.split(separator: "\n").count == 1)
    }

    @Test("train on Fashion-MNIST: 17 book lines, at least 0.84, the same with 1 and 2 threads; the model is saved")
    func trainFashionMNIST() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let model = directory.file("fashion.safetensors"), plot = directory.file("curves.svg")
        let two = try dlfs("train", "--dataset", "fashion-mnist", "--threads", "2", "--save", model, "--plot", plot)
        #expect(two.status == 0, "\(two.stderr)")
        let lines = two.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 17)
        #expect(lines.allSatisfy { $0.hasPrefix("train acc, test acc | ") })
        let last = try #require(lines.last?.split(separator: " ").last.flatMap { Double($0) })
        #expect(last >= 0.84, "final test accuracy \(last)")
        let one = try dlfs("train", "--dataset", "fashion-mnist", "--threads", "1")
        #expect(one.stdout == two.stdout)
        let saved = try SafeTensors.read(model)
        #expect(saved.names.sorted() == ["W1", "W2", "b1", "b2"])
        #expect(saved.metadata?["layers"] == "affine 784 50, sigmoid, affine 50 10")
        #expect(saved.metadata?["format"] == "dlfs.Sequential" && saved.metadata?["loss"] == "softmax-with-loss")
        // The saved model, read back, scores on the test set what training reported for the final model.
        let reported = try #require(saved.metadata?["test_accuracy"])
        #expect(abs((Double(reported) ?? 0) - last) < 0.02, "final \(reported), last epoch line \(last)")
        let inferred = try dlfs("infer", "--model", model)
        #expect(inferred.status == 0, "\(inferred.stderr)")
        #expect(inferred.stdout.split(separator: "\n").first.map(String.init) == "Accuracy:\(reported)")
        #expect(try svgTexts(URL(fileURLWithPath: plot)).contains("accuracy"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["curves.svg", "fashion.safetensors"])
    }

    @Test("A deeper net: train --hidden 100,50 relu he adam --save, then infer --model and gradcheck --model read it back")
    func deeperNetRoundTrip() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let model = directory.file("deep.safetensors")
        let trained = try dlfs("train", "--dataset", "fashion-mnist", "--hidden", "100,50", "--activation", "relu", "--init", "he",
                               "--optimizer", "adam", "--iters", "600", "--save", model, "--json")
        #expect(trained.status == 0, "\(trained.stderr)")
        let report = try jsonObject(trained.stdout)
        #expect(report["layers"] as? [String] == ["affine 784 100", "relu", "affine 100 50", "relu", "affine 50 10"])
        #expect(report["learningRate"] as? Double == 0.001 && report["optimizer"] as? String == "adam")
        let final = try #require(report["finalTestAccuracy"] as? Double)
        #expect(final >= 0.78, "600 Adam steps reach \(final)")
        let saved = try SafeTensors.read(model)
        #expect(saved.names.sorted() == ["W1", "W2", "W3", "b1", "b2", "b3"])
        #expect(saved.metadata?["dataset"] == "fashion-mnist" && saved.metadata?["test_accuracy"] == String(final))
        // The dataset comes from the file's metadata.
        let inferred = try dlfs("infer", "--model", model, "--json")
        #expect(inferred.status == 0, "\(inferred.stderr)")
        #expect(try jsonObject(inferred.stdout)["accuracy"] as? Double == final)
        let checked = try dlfs("gradcheck", "--model", model, "--dataset", "fashion-mnist", "--split", "test", "--batch-size", "2", "--json")
        #expect(checked.status == 0, "\(checked.stderr)")
        let rows = try #require(try jsonObject(checked.stdout)["parameters"] as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["W1", "b1", "W2", "b2", "W3", "b3"])
    }

    @Test("infer --model refuses files that are not dlfs models, naming the file and the problem")
    func inferModelRefusals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let weights = directory.file("plain.safetensors"), unknown = directory.file("unknown.safetensors")
        var arrays = NamedArrays(metadata: ["format": "dlfs.Sequential", "version": "2", "layers": "affine 4 3, swish, affine 3 2",
                                            "loss": "softmax-with-loss"])
        arrays.set(try NamedArray(name: "W1", dtype: .float32, shape: [4, 3], bytes: [UInt8](repeating: 0, count: 48)))
        try SafeTensors.write(arrays, to: unknown)
        arrays.metadata = nil
        try SafeTensors.write(arrays, to: weights)
        expectOneErrorLine(try dlfs("infer", "--model", weights),
                           "\(weights): is not a dlfs model file (no format in its metadata; expected 'dlfs.Sequential', as `Sequential.save(to:)` writes)")
        expectOneErrorLine(try dlfs("infer", "--model", unknown), "\(unknown): layer 2 'swish' is not a layer dlfs knows")
        expectUsageError(try dlfs("infer"), "give --weights (the chapter-3 network) or --model (a model of dlfs train), one of them")
    }

    @Test("infer --model simple-convnet|deep-convnet needs --weights, and refuses a pickle of another net, listing both")
    func inferConvNetRefusals() throws {
        expectUsageError(try dlfs("infer", "--model", "simple-convnet"), "--model simple-convnet needs --weights (the book's params.pkl)")
        expectUsageError(try dlfs("infer", "--model", "deep-convnet"), "--model deep-convnet needs --weights (the book's deep_convnet_params.pkl)")
        let weights = try RealData.path("book/sample_weight.pkl")
        _ = try RealData.path("mnist")
        expectOneErrorLine(try dlfs("infer", "--model", "simple-convnet", "--weights", weights, "--data-dir", RealData.mnist),
                           "\(weights): the weights do not fit the model (W1 is (784, 50), not (30, 1, 5, 5)): "
                           + "expected W1 (30, 1, 5, 5), b1 (30,), W2 (4320, 100), b2 (100,), W3 (100, 10), b3 (10,); "
                           + "found W1 (784, 50), W2 (50, 100), W3 (100, 10), b1 (50,), b2 (100,), b3 (10,)")
    }

    @Test("train rejects bad arguments with one line naming the argument")
    func trainArguments() throws {
        for (arguments, message) in [
            (["--iters", "0"], "--iters must be from 1 to 100000000, not 0"),
            (["--iters", "-5"], "--iters must be from 1 to 100000000, not -5"),
            (["--batch-size", "0"], "--batch-size must be at least 1, not 0"),
            (["--lr", "0"], "--lr must be a positive number, not 0.0"),
            (["--lr=-0.1"], "--lr must be a positive number, not -0.1"),
            (["--hidden", "0"], "--hidden must be from 1 to 100000, not 0"),
            (["--hidden", "-50"], "--hidden must be from 1 to 100000, not -50"),
            (["--hidden", "100,x"], "--hidden '100,x': 'x' is not a whole number"),
            (["--init", "glorot"], "--init 'glorot': give std:SIGMA (a positive number), xavier or he"),
            (["--epochs", "2", "--iters", "5"], "give --iters or --epochs, not both"),
            (["--epochs", "0"], "--epochs must be a positive number up to 1000000, not 0.0"),
            (["--iters", "9223372036854775807"], "--iters must be from 1 to 100000000, not 9223372036854775807"),
            (["--hidden", "100,100000000"], "--hidden must be from 1 to 100000, not 100000000"),
            (["--save", "model.bin"], "--save 'model.bin': the model is written as safetensors; give a name ending in .safetensors"),
        ] {
            expectUsageError(try dlfs(["train"] + arguments), message)
        }
        expectOneErrorLine(try dlfs("train", "--dataset", "cifar"), "unknown dataset 'cifar'; known datasets: mnist, fashion-mnist")
        if RealData.fashionMNISTPresent {
            let tooBig = try dlfs("train", "--dataset", "fashion-mnist", "--batch-size", "60001")
            expectOneErrorLine(tooBig, "--batch-size 60001 is larger than the 60000 training images of fashion-mnist")
        }
    }
}
