import ArgumentParser
import DLFS
import Foundation

/// `dlfs train`: the book's two-layer net trained by mini-batch SGD, one accuracy line per epoch.
struct Train: AsyncParsableCommand {
    enum DType: String, ExpressibleByArgument, CaseIterable { case float32, float64 }

    static let configuration = CommandConfiguration(
        abstract: "Train the two-layer net (chapters 4-5) with mini-batch SGD.",
        discussion: """
            Prints `train acc, test acc | a, b` once an epoch as the book's train_neuralnet.py (17 lines for \
            10,000 iterations of batch 100 over 60,000 images). A progress bar with the rate and ETA goes to \
            stderr when it is a terminal. The same seed gives the same lines with any number of threads.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "SGD iterations.")
    var iters = 10_000
    @Option(help: "Images per mini-batch.")
    var batchSize = 100
    @Option(help: "Learning rate.")
    var lr = 0.1
    @Option(help: "Hidden units.")
    var hidden = 50
    @Option(help: "Hidden activation: sigmoid (chapter 4) or relu (chapter 5).")
    var activation: HiddenActivation = .sigmoid
    @Option(help: "Seed of the weights and the batches.")
    var seed: UInt64 = 42
    @Option(help: "backprop (chapter 5) or numerical (chapter 4, about a second an iteration).")
    var gradient: TrainingOptions.GradientMethod = .backprop
    @Option(help: "Batches drawn with replacement as the book (replacement) or shuffled epochs (shuffle).")
    var sampling: BatchSampling = .withReplacement
    @Option(help: "float32, or float64 as the book's NumPy (default: float32; float64 for --gradient numerical).")
    var dtype: DType?
    @Option(help: "Standard deviation of the initial weights.")
    var weightInitStd = 0.01
    @Option(help: "Compute threads (0: one per core).")
    var threads = 0
    @Option(help: "Write the trained parameters to this safetensors file (atomically, only on success).")
    var save: String?
    @Option(help: "Write the loss and accuracy curves to this SVG file.")
    var plot: String?
    @Flag(help: "Print one JSON object at the end instead of the per-epoch lines.")
    var json = false

    func validate() throws {
        try requireAtLeastOne(iters, "--iters")
        try requireAtLeastOne(batchSize, "--batch-size")
        guard lr.isFinite && lr > 0 else { throw ValidationError("--lr must be a positive number, not \(lr)") }
        try requireAtLeastOne(hidden, "--hidden")
        guard weightInitStd.isFinite && weightInitStd > 0 else {
            throw ValidationError("--weight-init-std must be a positive number, not \(weightInitStd)")
        }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per core) or more, not \(threads)") }
        if let save, !save.hasSuffix(".safetensors") {
            throw ValidationError("--save '\(save)': the model is written as safetensors; give a name ending in .safetensors")
        }
    }

    func run() async throws {
        ComputeThreads.count = threads
        let t0 = Timing.now()
        let info = try DatasetInfo.named(source.dataset)
        let data = try await Dataset.load(info, dataDir: source.dataDir)
        let (trainSet, testSet) = (try data.split(.train), try data.split(.test))
        try checkBatchSize(batchSize, fitsIn: trainSet.count, "training images of \(info.name)")
        let saveURL = try save.map { try outputURL($0, option: "--save") }
        let plotURL = try plot.map { try DLFSCommand.plotURL($0) }
        let loadSeconds = Timing.now() - t0
        switch dtype ?? (gradient == .numerical ? .float64 : .float32) {
        case .float32: try run(Float.self, info, trainSet, testSet, loadSeconds, saveURL, plotURL)
        case .float64: try run(Double.self, info, trainSet, testSet, loadSeconds, saveURL, plotURL)
        }
    }

    private func run<S: TensorScalar>(_: S.Type, _ info: DatasetInfo, _ trainSet: ImageSet, _ testSet: ImageSet,
                                      _ loadSeconds: Double, _ saveURL: URL?, _ plotURL: URL?) throws {
        var rng = SeededGenerator(seed: seed)
        var net = TwoLayerNet<S>(inputSize: trainSet.featureCount, hiddenSize: hidden, outputSize: info.classCount,
                                 weightInitStd: S(weightInitStd), activation: activation.layer, using: &rng)
        var options = TrainingOptions()
        (options.iterations, options.batchSize, options.learningRate) = (iters, batchSize, lr)
        (options.sampling, options.gradient) = (sampling, gradient)
        var bar = ProgressBar(total: iters, label: "training")
        let observer = TrainingObserver(
            iterationDone: { i, loss in bar.update(i + 1, detail: String(format: "loss %.4f", loss)) },
            epochDone: { record in
                guard !json else { return }
                bar.finish()
                print("train acc, test acc | \(record.trainAccuracy), \(record.testAccuracy)")
            })
        let t0 = Timing.now()
        let history = try train(&net, on: trainSet, test: testSet, options: options, using: &rng, observer: observer)
        let trainSeconds = Timing.now() - t0
        bar.finish()
        if let saveURL { try saveModel(net, history, info, to: saveURL) }
        if let plotURL { try writeFigure({ try trainingCurves(history, title: "\(info.name), \(activation.rawValue)").write(to: plotURL) }, to: plotURL) }
        let report = TrainReport(
            dataset: info.name, dtype: S.self == Float.self ? "float32" : "float64", activation: activation.rawValue,
            gradient: gradient.rawValue, iterations: iters, batchSize: batchSize, learningRate: lr, hidden: hidden,
            seed: seed, threads: ComputeThreads.count, epochs: history.epochs,
            finalTrainAccuracy: history.epochs.last?.trainAccuracy ?? 0, finalTestAccuracy: history.epochs.last?.testAccuracy ?? 0,
            loss: LossSummary(history.losses), loadSeconds: loadSeconds, trainSeconds: trainSeconds,
            stepSeconds: history.stepSeconds, evaluationSeconds: history.evaluationSeconds,
            peakMemoryMiB: peakResidentMiB(), saved: saveURL?.path)
        if json { try printJSON(report) } else {
            FileHandle.standardError.write(Data(String(
                format: "trained in %.2f s (%.2f s in %d steps, %.2f s in %d evaluations); loss %.4f → %.4f\n",
                trainSeconds, history.stepSeconds, iters, history.evaluationSeconds, history.epochs.count,
                report.loss.first, report.loss.last).utf8))
        }
    }

    /// The parameters as safetensors, with what produced them in the metadata.
    private func saveModel<S>(_ net: TwoLayerNet<S>, _ history: TrainingHistory, _ info: DatasetInfo, to url: URL) throws {
        var arrays = NamedArrays(metadata: [
            "format": "dlfs.TwoLayerNet", "version": "1", "activation": activation.rawValue, "dataset": info.name,
            "iterations": String(iters), "batch_size": String(batchSize), "learning_rate": String(lr), "seed": String(seed),
            "test_accuracy": String(history.epochs.last?.testAccuracy ?? 0),
        ])
        for name in ["W1", "b1", "W2", "b2"] { arrays.set(NamedArray(name: name, tensor: net.parameters[name]!)) }
        try SafeTensors.write(arrays, to: url.path)
        FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8))
    }
}

/// The hidden activations `dlfs train` offers.
enum HiddenActivation: String, ExpressibleByArgument, CaseIterable {
    case sigmoid, relu
    var layer: Activation { self == .relu ? .relu : .sigmoid }
}

extension TrainingOptions.GradientMethod: ExpressibleByArgument {}
extension BatchSampling: ExpressibleByArgument {}

/// The loss curve in a few numbers.
struct LossSummary: Encodable {
    var first, last, minimum, meanOfLast100: Double
    init(_ losses: [Double]) {
        first = losses.first ?? .nan
        last = losses.last ?? .nan
        minimum = losses.min() ?? .nan
        let tail = losses.suffix(100)
        meanOfLast100 = tail.isEmpty ? .nan : tail.reduce(0, +) / Double(tail.count)
    }
}

private struct TrainReport: Encodable {
    var dataset, dtype, activation, gradient: String
    var iterations, batchSize: Int
    var learningRate: Double
    var hidden: Int
    var seed: UInt64
    var threads: Int
    var epochs: [EpochRecord]
    var finalTrainAccuracy, finalTestAccuracy: Double
    var loss: LossSummary
    var loadSeconds, trainSeconds, stepSeconds, evaluationSeconds: Double
    var peakMemoryMiB: Double
    var saved: String?
}

/// Peak resident memory of this process so far, from getrusage (kilobytes on Linux, bytes on macOS).
func peakResidentMiB() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576
    #endif
}

/// Checks that an output file's directory exists before hours of work go into it.
func outputURL(_ path: String, option: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    let directory = url.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CommandFailure("\(option) '\(path)': directory \(directory) does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw CommandFailure("\(option) '\(path)' is a directory")
    }
    return url
}
