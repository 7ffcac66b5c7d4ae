import ArgumentParser
import DLFS
import Foundation

/// `dlfs train`: a multi-layer net (the book's two-layer net by default) or one of the book's ConvNets
/// trained with mini-batches, one accuracy line per epoch.
struct Train: AsyncParsableCommand {
    enum DType: String, ExpressibleByArgument, CaseIterable { case float32, float64 }

    static let configuration = CommandConfiguration(
        abstract: "Train a net on mini-batches: affine layers (the chapter-4/5 two-layer net by default) or a ConvNet.",
        discussion: """
            Prints `train acc, test acc | a, b` once an epoch as the book's train_neuralnet.py (17 lines for \
            10,000 iterations of batch 100 over 60,000 images); with --epochs, also the final test accuracy \
            as the book's Trainer. A progress bar with the rate and ETA goes to stderr when it is a terminal. \
            The same seed gives the same lines with any number of threads.

            --model simple-convnet or deep-convnet trains the book's ConvNet with the defaults of its script \
            (ch07/train_convnet.py, ch08/train_deepnet.py): 20 epochs of batch 100, Adam lr 0.001, the \
            accuracies of each epoch on the first 1,000 images of each set, then the final test accuracy on \
            all of them. --hidden gives their hidden affine layer's size.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "The net: mlp (affine layers; the default), simple-convnet or deep-convnet (the book's ConvNets).")
    var model: TrainingRecipe.Architecture = .mlp
    @Option(parsing: .unconditional, help: "Iterations (mini-batches); the default is 10,000 (mlp) or 20 epochs (ConvNets) unless --epochs is given.")
    var iters: Int?
    @Option(parsing: .unconditional, help: "Epochs of the training set, as the book's Trainer: iterations = int(epochs × examples / batch size).")
    var epochs: Double?
    @Option(parsing: .unconditional, help: "Images per mini-batch.")
    var batchSize = 100
    @Option(parsing: .unconditional, help: "Learning rate (default: 0.1 for sgd as train_neuralnet.py; the book's class default otherwise).")
    var lr: Double?
    @Option(parsing: .unconditional, help: "Hidden layer sizes, comma-separated: 50 (the default), or 100,100,100 for four affine layers; one size for a ConvNet's hidden affine layer (the book: 100, 50).")
    var hidden: String?
    @Option(help: "Hidden activation of mlp: sigmoid (chapter 4; the default), relu (chapter 5) or tanh.")
    var activation: HiddenActivation?
    @Option(name: .customLong("init"), help: "Initial weights: std:0.01 (a fixed σ; the default), xavier (√(1/n)) or he (√(2/n)); deep-convnet always uses he.")
    var weightInit: String?
    @Option(help: "The optimizer: sgd (mlp's default), momentum, nesterov, adagrad, rmsprop or adam (the ConvNets' default), as the book's common/optimizer.py.")
    var optimizer: OptimizerName?
    @Flag(help: "Batch normalisation after each hidden affine layer (the book's MultiLayerNetExtend).")
    var batchNorm = false
    @Option(parsing: .unconditional, help: "Dropout after each hidden activation, with this ratio (0 to 1, e.g. 0.15).")
    var dropout: Double?
    @Option(parsing: .unconditional, help: "L2 weight decay λ: λ/2·ΣW² added to the loss (e.g. 0.1 for overfit_weight_decay.py).")
    var weightDecay = 0.0
    @Option(help: "Seed of the weights and the batches.")
    var seed: UInt64 = 42
    @Option(help: "backprop (chapter 5) or numerical (chapter 4, about a second an iteration).")
    var gradient: TrainingOptions.GradientMethod = .backprop
    @Option(help: "Batches drawn with replacement as the book (replacement) or shuffled epochs (shuffle).")
    var sampling: BatchSampling = .withReplacement
    @Option(help: "float32, or float64 as the book's NumPy (default: float32; float64 for --gradient numerical).")
    var dtype: DType?
    @Option(parsing: .unconditional, help: "Compute threads (0: one per core).")
    var threads = 0
    @Option(parsing: .unconditional, help: "Images of each set scored for the per-epoch accuracies (the book's evaluate_sample_num_per_epoch): all for mlp, 1000 for the ConvNets; the final test accuracy uses all.")
    var evaluationSamples: Int?
    @Option(help: "Write the trained model to this safetensors file (atomically, only on success); `dlfs infer --model` reads it.")
    var save: String?
    @Option(help: "Write the loss and accuracy curves to this SVG file.")
    var plot: String?
    @Flag(help: "Print one JSON object at the end instead of the per-epoch lines.")
    var json = false

    /// The options that `dlfs serve`'s training form shares, checked by one `validate`.
    var recipe: TrainingRecipe {
        var recipe = TrainingRecipe()
        (recipe.architecture, recipe.evaluationSamples) = (model, evaluationSamples)
        (recipe.iterations, recipe.epochs, recipe.batchSize, recipe.learningRate) = (iters, epochs, batchSize, lr)
        (recipe.hidden, recipe.activation, recipe.weightInit, recipe.optimizer) = (hidden, activation, weightInit, optimizer)
        (recipe.batchNormalization, recipe.dropout, recipe.weightDecay, recipe.seed) = (batchNorm, dropout, weightDecay, seed)
        return recipe
    }

    func validate() throws {
        do { try recipe.validate(prefix: "--") } catch { throw ValidationError(error.description) }
        if model != .mlp && gradient == .numerical { throw ValidationError("--gradient numerical is for --model mlp (a ConvNet would take days)") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per core) or more, not \(threads)") }
        if let save, !save.hasSuffix(".safetensors") {
            throw ValidationError("--save '\(save)': the model is written as safetensors; give a name ending in .safetensors")
        }
    }

    /// The hidden layers' sizes: given, or the book's.
    func hiddenSizes() throws -> [Int] { try recipe.hiddenSizes(prefix: "--") }

    /// The learning rate: given, or the one of the book's script for this optimizer.
    var learningRate: Double { recipe.resolvedLearningRate }

    func run() async throws {
        ComputeThreads.count = threads
        let t0 = Timing.now()
        let info = try DatasetInfo.named(source.datasetName)
        let data = try await Dataset.load(info, dataDir: source.dataDir)
        let (trainSet, testSet) = (try data.split(.train), try data.split(.test))
        try checkBatchSize(batchSize, fitsIn: trainSet.count, "training images of \(info.name)")
        try checkLayerSizes([trainSet.featureCount] + hiddenSizes() + [info.classCount], batchSize: batchSize)
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
        let recipe = self.recipe
        var model = try recipe.model(S.self, inputSize: trainSet.featureCount, outputSize: info.classCount,
                                     imageSize: (trainSet.rows, trainSet.columns), using: &rng)
        var optimizer = recipe.resolvedOptimizer.make(S.self, learningRate: learningRate)
        var options: TrainingOptions
        do { options = try recipe.trainingOptions(trainCount: trainSet.count, prefix: "--") } catch { throw CommandFailure(error.description) }
        (options.sampling, options.gradient) = (sampling, gradient)
        var bar = ProgressBar(total: options.iterations, label: "training")
        let observer = TrainingObserver(
            iterationDone: { i, loss in bar.update(i + 1, detail: String(format: "loss %.4f", loss)) },
            epochDone: { record in
                guard !json else { return }
                bar.finish()
                print("train acc, test acc | \(record.trainAccuracy), \(record.testAccuracy)")
            })
        let t0 = Timing.now()
        let history = try train(&model, optimizer: &optimizer, on: trainSet, test: testSet, options: options, using: &rng,
                                observer: observer)
        let trainSeconds = Timing.now() - t0
        bar.finish()
        if epochs != nil && !json {
            // The closing lines of the book's Trainer.
            print("=============== Final Test Accuracy ===============")
            print("test acc:\(history.finalTestAccuracy)")
        }
        if let saveURL { try saveModel(model, history, info, options, to: saveURL) }
        if let plotURL {
            let net = self.model == .mlp ? "\(try hiddenSizes().map(String.init).joined(separator: ",")) \(recipe.resolvedActivation.rawValue)" : self.model.rawValue
            let title = "\(info.name), \(net), \(recipe.resolvedOptimizer.rawValue)"
            try writeFigure({ try trainingCurves(history, title: title).write(to: plotURL) }, to: plotURL)
        }
        let report = TrainReport(
            dataset: info.name, model: self.model.rawValue, dtype: S.self == Float.self ? "float32" : "float64",
            activation: self.model == .mlp ? recipe.resolvedActivation.rawValue : nil, gradient: gradient.rawValue,
            optimizer: recipe.resolvedOptimizer.rawValue,
            weightInit: self.model == .deepConvNet ? "he" : try recipe.initialWeights().description,
            layers: model.specs.map(\.description), iterations: options.iterations, batchSize: batchSize,
            learningRate: learningRate, hidden: try recipe.hiddenSizes(), seed: seed, threads: ComputeThreads.count,
            epochs: history.epochs, finalTrainAccuracy: history.epochs.last?.trainAccuracy ?? 0,
            finalTestAccuracy: history.finalTestAccuracy, lastEpochTestAccuracy: history.epochs.last?.testAccuracy ?? 0,
            loss: LossSummary(history.losses), loadSeconds: loadSeconds, trainSeconds: trainSeconds,
            stepSeconds: history.stepSeconds, evaluationSeconds: history.evaluationSeconds,
            peakMemoryMiB: peakResidentMiB(), saved: saveURL?.path)
        if json { try printJSON(report) } else {
            FileHandle.standardError.write(Data(String(
                format: "trained in %.2f s (%.2f s in %d steps, %.2f s in %d evaluations); loss %.4f → %.4f; final test accuracy %@\n",
                trainSeconds, history.stepSeconds, options.iterations, history.evaluationSeconds, history.epochs.count,
                report.loss.first, report.loss.last, String(history.finalTestAccuracy)).utf8))
        }
    }

    /// The model as safetensors: its architecture, and what produced it, in the metadata.
    private func saveModel<S>(_ model: Sequential<S>, _ history: TrainingHistory, _ info: DatasetInfo,
                              _ options: TrainingOptions, to url: URL) throws {
        try model.save(to: url.path, metadata: [
            "dataset": info.name, "optimizer": recipe.resolvedOptimizer.rawValue, "learning_rate": String(learningRate),
            "init": try recipe.initialWeights().description, "iterations": String(options.iterations),
            "batch_size": String(batchSize), "seed": String(seed), "test_accuracy": String(history.finalTestAccuracy),
        ])
        FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8))
    }
}

extension HiddenActivation: ExpressibleByArgument {}
extension TrainingRecipe.Architecture: ExpressibleByArgument {}
extension OptimizerName: ExpressibleByArgument {}
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
    var dataset, model, dtype: String
    var activation: String?
    var gradient, optimizer, weightInit: String
    var layers: [String]
    var iterations, batchSize: Int
    var learningRate: Double
    var hidden: [Int]
    var seed: UInt64
    var threads: Int
    var epochs: [EpochRecord]
    /// The last epoch line's train accuracy, and the final model's test accuracy (after the last step).
    var finalTrainAccuracy, finalTestAccuracy, lastEpochTestAccuracy: Double
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

/// Checks that an output file's directory exists, and that the file is absent or regular, before hours of
/// work go into it.
func outputURL(_ path: String, option: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    let directory = url.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CommandFailure("\(option) '\(path)': directory \(directory) does not exist")
    }
    do { try existingRegularFile(at: path) } catch { throw CommandFailure("\(option) '\(path)': \(error.reason)") }
    return url
}
