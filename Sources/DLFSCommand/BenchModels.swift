import ArgumentParser
import DLFS
import Foundation

/// `dlfs bench infer`: the chapter-3 pass over the test set, one image at a time and in batches, as the
/// median of several timed passes after a warm-up (`dlfs infer` times a single pass, as a script would).
struct BenchInfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "Images per second of the chapter-3 network.")

    @Option(help: "The weights (sample_weight.pkl or safetensors).")
    var weights: String
    @OptionGroup var bench: BenchOptions

    func run() async throws {
        let (_, net, images, labels) = try await Infer.load(weights: weights, dataset: "mnist", dataDir: bench.dataDir,
                                                            normalize: true)
        let batchSize = bench.batchSize
        try checkBatchSize(batchSize, fitsIn: labels.count, "images of mnist test")
        var batched: [Int] = []
        let single = Timing.median { _ = net.classify(images, batchSize: 1) }
        let batch = Timing.median { batched = net.classify(images, batchSize: batchSize) }
        let figures = BenchFigures(workload: "infer", seconds: batch, extra: [
            "singleSeconds": single, "batchSeconds": batch, "batchSize": Double(batchSize),
            "imagesPerSecondSingle": Double(labels.count) / single, "imagesPerSecondBatch": Double(labels.count) / batch,
            "accuracy": Double(zip(batched, labels).count { $0 == $1 }) / Double(labels.count),
        ])
        try figures.emit(json: bench.json) {
            "batch 1: \(String(format: "%.2f", single * 1e3)) ms for \(labels.count) images (\(String(format: "%.2f", single / Double(labels.count) * 1e6)) µs each); "
                + "batch \(batchSize): \(String(format: "%.2f", batch * 1e3)) ms; speed-up \(String(format: "%.1f", single / batch))x"
        }
    }
}

/// `dlfs bench train`: SGD steps per second and evaluation images per second of the two-layer net.
struct BenchTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Training steps and evaluations per second.")

    @Option(help: "The dataset.")
    var dataset = "fashion-mnist"
    @Option(parsing: .unconditional, help: "Timed SGD steps.")
    var iters = 1000
    @Option(help: "float32 or float64.")
    var dtype: Train.DType = .float32
    @OptionGroup var bench: BenchOptions

    func validate() throws {
        try requireCount(iters, "--iters", atMost: maximumIterations)
    }

    func run() async throws {
        let info = try DatasetInfo.named(dataset)
        let data = try await Dataset.load(info, dataDir: bench.dataDir)
        let (trainSet, testSet) = (try data.split(.train), try data.split(.test))
        try checkBatchSize(bench.batchSize, fitsIn: trainSet.count, "training images of \(info.name)")
        switch dtype {
        case .float32: try measure(Float.self, trainSet, testSet)
        case .float64: try measure(Double.self, trainSet, testSet)
        }
    }

    private func measure<S: TensorScalar>(_: S.Type, _ trainSet: ImageSet, _ testSet: ImageSet) throws {
        let batchSize = bench.batchSize
        var rng = SeededGenerator(seed: 42)
        var net = Sequential<S>.twoLayerNet(inputSize: trainSet.featureCount, hiddenSize: 50, outputSize: trainSet.classCount, using: &rng)
        var optimizer = SGD<S>(learningRate: 0.1)
        var options = TrainingOptions()
        (options.iterations, options.batchSize) = (iters, batchSize)
        // The trainer times its steps apart from its evaluations.
        let stepSeconds = try train(&net, optimizer: &optimizer, on: trainSet, test: testSet, options: options, using: &rng).stepSeconds
        let evaluation = Timing.median(minRuns: 3, minSeconds: 0) {
            _ = net.accuracy(on: trainSet); _ = net.accuracy(on: testSet)
        }
        let evaluated = Double(trainSet.count + testSet.count)
        let figures = BenchFigures(workload: "train", seconds: stepSeconds, extra: [
            "iterationsPerSecond": Double(iters) / stepSeconds, "trainImagesPerSecond": Double(iters * batchSize) / stepSeconds,
            "evaluationSeconds": evaluation, "evaluationImagesPerSecond": evaluated / evaluation,
        ])
        try figures.emit(json: bench.json) {
            "\(iters) steps of batch \(batchSize) in \(String(format: "%.3f", stepSeconds)) s (\(Int(Double(iters) / stepSeconds)) it/s); "
                + "one evaluation of \(Int(evaluated)) images in \(String(format: "%.3f", evaluation)) s (\(Int(evaluated / evaluation)) images/s)"
        }
    }
}

/// `dlfs bench numgrad`: one numerical gradient of the 784-50-10 net on the first training images, in Double.
struct BenchNumgrad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "numgrad", abstract: "Seconds for one numerical gradient.")

    @Option(help: "The dataset.")
    var dataset = "fashion-mnist"
    @OptionGroup var bench: BenchOptions

    func run() async throws {
        let info = try DatasetInfo.named(dataset)
        let set = try Dataset.load(info, split: .train, dataDir: bench.dataDir)
        let batchSize = bench.batchSize
        try checkBatchSize(batchSize, fitsIn: set.count, "training images of \(info.name)")
        let x = set.tensors(rows: 0..<batchSize).images.converted(to: Double.self)
        let t = Labels<Double>.indices(set.labels.prefix(batchSize).map(Int.init))
        var rng = SeededGenerator(seed: 42)
        var net = Sequential<Double>.twoLayerNet(inputSize: set.featureCount, hiddenSize: 50, outputSize: info.classCount, using: &rng)
        var numerical: NamedTensors<Double>?
        let seconds = Timing.median(runs: 3) { numerical = net.incrementalNumericalGradient(x, t) }
        let backprop = net.gradient(x, t)
        let maxDiff = zip(numerical!, backprop).map { n, b in
            zip(n.tensor.scalars, b.tensor.scalars).map { abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
        let figures = BenchFigures(workload: "numgrad", seconds: seconds, extra: [
            "batchSize": Double(batchSize), "parameters": Double(net.parameters.tensors.map(\.count).reduce(0, +)),
            "maxAbsDiffToBackprop": maxDiff,
        ])
        try figures.emit(json: bench.json) {
            "numerical gradient of \(Int(figures.extra["parameters"]!)) parameters, batch \(batchSize): \(String(format: "%.3f", seconds)) s "
                + "(max |numerical − backprop| \(String(format: "%.1e", maxDiff)))"
        }
    }
}

/// `--data-dir`, `--batch-size` and `--json`, which the benchmarks of a network share.
struct BenchOptions: ParsableArguments {
    @Option(help: "A directory holding the IDX files.")
    var dataDir: String?
    @Option(parsing: .unconditional, help: "Images per batch.")
    var batchSize = 100
    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        try requireAtLeastOne(batchSize, "--batch-size")
    }
}

/// One benchmark's figures: a headline time plus named numbers, as text or one JSON object.
struct BenchFigures {
    var workload: String
    var seconds: Double
    var extra: [String: Double]

    func emit(json: Bool, _ text: () -> String) throws {
        if json {
            var object: [String: Any] = extra
            object["seconds"] = seconds
            object["threads"] = ComputeThreads.count
            object["workload"] = workload
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(text())
        }
    }
}
