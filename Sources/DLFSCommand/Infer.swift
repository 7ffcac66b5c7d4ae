import ArgumentParser
import DLFS
import Foundation

/// `dlfs infer`: chapter 3's ready-trained network over a test set, one image at a time and in batches; the
/// book's trained ConvNets, or a model file, in batches.
struct Infer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a trained network over a test set: chapter 3's, the book's ConvNets, or a model file.",
        discussion: """
            Prints the accuracy in the book's format (Accuracy:0.9352 for sample_weight.pkl on MNIST), the \
            first predictions, and the time of the whole pass one image at a time and in batches. Loading is \
            not timed. Batches are shared among the compute threads; one image at a time uses one thread.

            --model simple-convnet or deep-convnet with --weights runs the book's SimpleConvNet (ch07 \
            params.pkl) or DeepConvNet (ch08 deep_convnet_params.pkl) on the images as (N, 1, 28, 28), and \
            --model FILE a model of `dlfs train --save`; both print the accuracy and the time in batches.
            """)

    @Option(help: "The weights: the book's sample_weight.pkl, or safetensors with W1, b1, W2, b2, W3, b3; with --model simple-convnet or deep-convnet, the book's params.pkl or deep_convnet_params.pkl.")
    var weights: String?

    @Option(help: "simple-convnet or deep-convnet (the book's ConvNets, with --weights), or a model written by `dlfs train --save` (tested on its own dataset unless --dataset).")
    var model: String?

    @OptionGroup var source: DatasetOptions

    @Option(help: "Images per batch in the batched pass.")
    var batchSize = 100

    @Flag(help: "Feed raw 0-255 pixels instead of dividing by 255 (the book's normalize=False).")
    var noNormalize = false

    @Option(help: "Compute threads (0: one per core).")
    var threads = 0

    @Option(help: "Timed passes of each kind; the median is reported.")
    var repeats = 1

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let model, let net = BookConvNet(rawValue: model) {
            guard weights != nil else { throw ValidationError("--model \(model) needs --weights (the book's \(net.weightFile))") }
        } else if (weights == nil) == (model == nil) {
            throw ValidationError("give --weights (the chapter-3 network) or --model (a model of dlfs train), one of them")
        }
        try requireAtLeastOne(batchSize, "--batch-size")
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per core) or more, not \(threads)") }
        try requireAtLeastOne(repeats, "--repeats")
    }

    func run() async throws {
        ComputeThreads.count = threads
        if let model, let net = BookConvNet(rawValue: model) { return try await run(net, weights: weights!) }
        if let model { return try await run(model: model) }
        let weights = weights!
        let (info, net, images, labels) = try await Self.load(weights: weights, dataset: source.datasetName, dataDir: source.dataDir,
                                                              normalize: !noNormalize)
        try checkBatchSize(batchSize, fitsIn: labels.count, "images of \(info.name) test")

        var single: [Int] = [], batched: [Int] = []
        let singleSeconds = Timing.median(runs: repeats) { single = net.classify(images, batchSize: 1) }
        let batchSeconds = Timing.median(runs: repeats) { batched = net.classify(images, batchSize: batchSize) }
        let correct = zip(batched, labels).count { $0 == $1 }
        let report = InferReport(
            weights: weights, dataset: info.name, count: labels.count, batchSize: batchSize,
            threads: ComputeThreads.count, normalized: !noNormalize, correctCount: correct,
            accuracy: Double(correct) / Double(labels.count),
            singleCorrectCount: zip(single, labels).count { $0 == $1 },
            firstPredictions: Array(batched.prefix(10)), firstLabels: Array(labels.prefix(10)),
            singleSeconds: singleSeconds, batchSeconds: batchSeconds, speedup: singleSeconds / batchSeconds)
        if json { try printJSON(report) } else { report.printText() }
    }

    /// A trained model over the test split of its dataset, in batches: `Accuracy:…` as the book prints it.
    private func run(model path: String) async throws {
        let arrays = try SafeTensors.read(path)
        let model = try Sequential<Float>(arrays, file: path)
        let recorded = arrays.metadata?["dataset"]
        let info = try DatasetInfo.named(source.dataset ?? recorded ?? "mnist")
        let set = try Dataset.load(info, split: .test, dataDir: source.dataDir)
        try checkInputs(of: model, fit: set.featureCount, classes: info.classCount, file: path)
        try measure(model, named: path, weights: nil, on: set, info)
    }

    /// One of the book's ConvNets with its pickle over the test split, in batches, as the book's `accuracy`.
    private func run(_ net: BookConvNet, weights: String) async throws {
        let info = try DatasetInfo.named(source.datasetName)
        let set = try Dataset.load(info, split: .test, dataDir: source.dataDir)
        let model: Sequential<Float> = try net.trained(weights: weights)
        try checkInputs(of: model, fit: set.featureCount, classes: info.classCount, file: weights)
        try measure(model, named: net.rawValue, weights: weights, on: set, info)
    }

    /// Accuracy and time of the batched pass, as text or JSON.
    private func measure(_ model: Sequential<Float>, named name: String, weights: String?, on set: ImageSet,
                         _ info: DatasetInfo) throws {
        try checkBatchSize(batchSize, fitsIn: set.count, "images of \(info.name) test")
        var accuracy = 0.0
        let seconds = Timing.median(runs: repeats) { accuracy = model.accuracy(on: set, blockSize: batchSize) }
        if json {
            try printJSON(ModelInferReport(model: name, weights: weights, dataset: info.name, layers: model.specs.map(\.description),
                                           count: set.count, batchSize: batchSize, threads: ComputeThreads.count,
                                           accuracy: accuracy, batchSeconds: seconds))
        } else {
            print("Accuracy:\(accuracy)")
            print("\(info.name) test, \(set.count) images in batches of \(batchSize): \(String(format: "%.2f", seconds * 1e3)) ms"
                  + " (\(String(format: "%.1f", seconds / Double(set.count) * 1e6)) µs per image,"
                  + " \(ComputeThreads.count) thread\(ComputeThreads.count == 1 ? "" : "s"))")
        }
    }

    /// The network from the weight file and the test split: the image set itself, whose bytes the network
    /// reads in place, or for raw 0-255 values a tensor of them; errors name the file.
    static func load(weights: String, dataset: String, dataDir: String?, normalize: Bool) async throws
        -> (DatasetInfo, ThreeLayerNet<Float>, any ExampleSet, [Int]) {
        let info = try DatasetInfo.named(dataset)
        let set = try Dataset.load(info, split: .test, dataDir: dataDir)
        let net = try ThreeLayerNet<Float>(contentsOf: weights, inputSize: set.pixelsPerImage, outputSize: info.classCount)
        let labels = set.labels.map(Int.init)
        let images: any ExampleSet = normalize ? set : TensorExamples(
            features: set.tensors(normalize: false).images, labels: labels, classCount: info.classCount)
        return (info, net, images, labels)
    }
}

/// What `dlfs infer --model` measured.
private struct ModelInferReport: Encodable {
    var model: String
    var weights: String?
    var dataset: String
    var layers: [String]
    var count, batchSize, threads: Int
    var accuracy, batchSeconds: Double
}

/// What `dlfs infer` measured; printed as text or as one JSON object.
private struct InferReport: Encodable {
    var weights, dataset: String
    var count, batchSize, threads: Int
    var normalized: Bool
    var correctCount: Int
    var accuracy: Double
    var singleCorrectCount: Int
    var firstPredictions, firstLabels: [Int]
    var singleSeconds, batchSeconds: Double
    var speedup: Double

    func printText() {
        // The book prints str(float(accuracy_cnt) / len(x)): Python's shortest repr.
        print("Accuracy:\(accuracy)")
        if singleCorrectCount != correctCount {
            print("(one image at a time: \(singleCorrectCount) correct; batches: \(correctCount))")
        }
        print("first predictions: \(firstPredictions.map(String.init).joined(separator: " "))"
              + " (labels \(firstLabels.map(String.init).joined(separator: " ")))")
        print(timingLine("one image at a time:", singleSeconds))
        print(timingLine("batches of \(batchSize):".padding(toLength: 20, withPad: " ", startingAt: 0), batchSeconds))
        print("speed-up: \(String(format: "%.1f", speedup))x (\(threads) thread\(threads == 1 ? "" : "s") for batches)")
    }

    private func timingLine(_ label: String, _ seconds: Double) -> String {
        let perImage = seconds / Double(count) * 1e6
        return "\(label) \(count) images in \(String(format: "%.2f", seconds * 1e3)) ms"
            + " (\(String(format: "%.2f", perImage)) µs per image, \(Int((Double(count) / seconds).rounded())) images/s)"
    }
}
